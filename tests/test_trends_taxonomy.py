"""The taxonomy as data: packaged TOML, user overrides and additions, per-trend hashes."""
from __future__ import annotations

import pytest

from trendscope.foundation.errors import TrendscopeError
from trendscope.index.taxonomy import load_taxonomy

EIGHT = {"multimodal", "self_supervised", "continual", "zero_shot", "privacy", "interpretability",
         "efficiency", "ethics"}


def test_packaged_taxonomy_has_the_eight_trends():
    tax = load_taxonomy()
    assert set(tax.names) == EIGHT
    for t in tax.trends:
        assert t.label and t.description and t.include and t.prototypes
        assert 0.0 <= t.threshold <= 1.0
        assert len(t.hash) == 16
    assert len(set(tax.hashes().values())) == 8


def test_missing_user_file_means_packaged_only(tmp_path):
    assert load_taxonomy(tmp_path / "nope.toml").hashes() == load_taxonomy().hashes()


def test_user_file_adds_a_trend_and_edits_one(tmp_path):
    user = tmp_path / "taxonomy.toml"
    user.write_text(
        """
[trends.ethics]
threshold = 0.7
add_include = [{ pattern = 'algorithmic audit', weight = 3.0 }]

[trends.robotics]
label = "Robot learning"
description = "Learning for robots: manipulation, locomotion, sim-to-real."
include = [{ pattern = '\\brobot(s|ic|ics)?\\b', weight = 3.0 }, 'sim-to-real']
prototypes = ["A robot learns to grasp objects."]
""",
        encoding="utf-8",
    )
    base, tax = load_taxonomy(), load_taxonomy(user)
    assert tax.names[-1] == "robotics" and len(tax.names) == 9
    ethics = tax.get("ethics")
    assert ethics.threshold == 0.7
    assert [p.pattern for p in ethics.include][-1] == "algorithmic audit"
    assert len(ethics.include) == len(base.get("ethics").include) + 1
    assert ethics.description == base.get("ethics").description  # fields not set are kept
    changed = {n for n in base.names if base.get(n).hash != tax.get(n).hash}
    assert changed == {"ethics"}
    assert tax.get("robotics").include[1].weight == 1.0  # a bare string is a weight-1 pattern
    assert tax.sources == ("packaged", str(user))


def test_disabling_a_trend(tmp_path):
    user = tmp_path / "taxonomy.toml"
    user.write_text("[trends.continual]\nenabled = false\n", encoding="utf-8")
    assert "continual" not in load_taxonomy(user).names


@pytest.mark.parametrize(
    "text, needle",
    [
        ("[trends.ethics\n", "invalid TOML"),
        ("[trends.Bad-Name]\nlabel='x'\n", "lower_snake_case"),
        ("[trends.ethics]\nthreshold = 1.5\n", "threshold"),
        ("[trends.ethics]\ninclude = [{ pattern = '(unclosed', weight = 1 }]\n", "bad regular expression"),
        ("[trends.newone]\nlabel = 'New'\n", "description"),
        ("[trends.ethics]\ncolour = 'red'\n", "unknown field"),
        # the fields there are, named (an admin guessed keywords, phrases, patterns, terms: a blind walkthrough)
        ("[trends.speech]\nkeywords = ['asr']\n", "unknown field(s) keywords (known: add_digest_core, add_exclude"),
        ("[scoring]\nbias = 1\n", "unknown field(s) bias (known: "),
    ],
)
def test_bad_user_file_is_refused_with_a_clear_message(tmp_path, text, needle):
    user = tmp_path / "taxonomy.toml"
    user.write_text(text, encoding="utf-8")
    with pytest.raises(TrendscopeError) as err:
        load_taxonomy(user)
    assert needle in str(err.value)
