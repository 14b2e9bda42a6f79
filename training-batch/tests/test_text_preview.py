"""The README's demo command (embsum.text.preview) on the shipped MIND sample."""

import pytest

from embsum.text.preview import main


def test_preview_prints_sessions_of_the_longest_history(capsys):
    assert main(["--users", "1"]) == 0
    out = capsys.readouterr().out
    # U84756 has the longest history of the sample (425 clicks): 60 kept, 16 sessions of p=4.
    assert "user U84756: 425 clicks -> 60 kept (history_version 425) -> 16 sessions" in out
    assert "session 106: items N19400; 28 tokens; [SOS] at [0]" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--users", "0"], "must be at least 1, got 0"),
        (["--p", "x"], "expected a whole number, got 'x'"),
        (["--p", "5"], "more than the session limit l = 512"),
    ],
)
def test_bad_arguments_say_what_is_wrong(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
