"""What every command's flags share: a parser whose errors are one line with the closest valid names, and range
checks that raise ConfigError (exit 2) before TensorFlow is imported."""
import argparse
import difflib
import re

from Utils.errors import ConfigError


class Parser(argparse.ArgumentParser):
    """argparse, but a bad flag or value prints one error line (with the closest valid names for a misspelling)
    instead of the whole usage message; `--help` still documents everything."""

    def error(self, message):
        choice = re.match(r"argument (\S+): invalid choice: '?([^' ]*)'? \(choose from (.*)\)$", message)
        if choice:
            flag, word, options = choice.groups()
            names = re.findall(r"'([^']*)'", options) or [o.strip() for o in options.split(",")]
            close = difflib.get_close_matches(word, names, n=3, cutoff=0.5)
            hint = f"did you mean {', '.join(close)}?" if close else f"choose from {', '.join(names)}"
            message = f"argument {flag}: invalid choice: {word!r} ({hint})"
        elif message.startswith("unrecognized arguments:"):
            words = message.split(":", 1)[1].split()
            close = difflib.get_close_matches(words[0], _option_strings(self), n=3, cutoff=0.6) if words else []
            if close:
                message += f" (did you mean {', '.join(close)}?)"
        self.exit(2, f"{self.prog}: error: {message}; see {self.prog} --help\n")


def _option_strings(parser):
    """Every flag of `parser` and of its subcommands (argparse reports a subcommand's unknown flag from the top)."""
    found = []
    for action in parser._actions:
        found += action.option_strings
        for sub in (action.choices or {}).values() if isinstance(action, argparse._SubParsersAction) else ():
            found += _option_strings(sub)
    return sorted(set(found))


def check_range(name, value, low, high=None):
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ConfigError(f"--{name} must be {bound}, got {value}")
