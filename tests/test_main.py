"""``python -m sklearn_music`` runs the command line of :mod:`sklearn_music.cli`."""

import subprocess
import sys

import sklearn_music.__main__
import sklearn_music.cli


def test_python_m_runs_the_cli():
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_music", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: sklearn-music ")
    for command in ["demo", "fit", "predict", "tag", "recommend", "features"]:
        assert command in result.stdout
    # --help answers without loading torch or scikit-learn; `features` reads
    # its choices from the front-end table (scikit-learn, no torch) and `fit`
    # from the architecture registry, which holds the torch modules
    code = (
        "import sys\n"
        "from sklearn_music.cli import main\n"
        "for argv in [[], ['demo'], ['predict'], ['tag'], ['recommend']]:\n"
        "    main([*argv, '--help'])\n"
        "print(sorted({'torch', 'sklearn'} & set(sys.modules)))\n"
        "main(['features', '--help'])\n"
        "print(sorted({'torch'} & set(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-300:]
    reports = [line for line in result.stdout.splitlines() if line.startswith("[")]
    assert reports[-2:] == ["[]", "[]"], result.stdout[-300:]


def test_console_script_target():
    assert sklearn_music.__main__.main is sklearn_music.cli.main
