"""Usage errors of every command (unknown option, missing option, bad value): one line plus the usage hint, exit 2."""
import pytest
import typer

from metaie.cli.main import app, main


def _commands(group=None, path=()):
    group = group or typer.main.get_command(app)
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, path + (name,))
        else:
            yield path + (name,)


COMMANDS = sorted(_commands())


def _usage_error(capsys, argv):
    with pytest.raises(SystemExit) as e:
        main(list(argv))
    err = capsys.readouterr().err.strip().splitlines()
    return e.value.code, err


def test_every_command_is_covered():
    assert {("train",), ("finetune",), ("evaluate",), ("data", "download"), ("serve",)} <= set(COMMANDS)


@pytest.mark.parametrize("cmd", COMMANDS, ids=" ".join)
def test_unknown_option_is_one_line_plus_usage_exit_2(capsys, cmd):
    code, err = _usage_error(capsys, [*cmd, "--bogus-option"])
    assert code == 2
    assert len(err) == 2, err
    assert err[0] == "error: No such option: --bogus-option"
    assert err[1].startswith(f"usage: metaie {' '.join(cmd)} ") and f"metaie {' '.join(cmd)} --help" in err[1]


@pytest.mark.parametrize("argv,msg", [
    (["evaluate", "--data", "x"], "Missing option '--model'"),
    (["train", "--data", "x", "--out", "y", "--epochs", "abc"], "Invalid value for '--epochs'"),
    (["no-such-command"], "No such command"),
])
def test_missing_or_bad_value_and_unknown_command(capsys, argv, msg):
    code, err = _usage_error(capsys, argv)
    assert code == 2 and len(err) == 2 and err[0].startswith("error: ") and msg in err[0], err
    assert err[1].startswith("usage: metaie")
