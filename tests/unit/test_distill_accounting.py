"""The end-of-run accounting: every sampled sentence is a record, a rejected sentence or a failure."""
from __future__ import annotations

import pytest

from metaie.distill.accounting import check_accounting
from metaie.errors import AccountingError


def test_each_sentence_in_exactly_one_outcome():
    counts = check_accounting(["a", "b", "c", "d"], records=["a", "b"], rejects=["b", "c"], failed=["d"])
    assert counts == {"sampled": 4, "records": 2, "rejected": 1, "failed": 1}


@pytest.mark.parametrize("records, rejects, failed, message", [
    (["a", "b"], [], [], "1 sampled sentences neither a record, rejected nor failed (c)"),
    (["a", "b", "b"], [], ["c"], "more than once in records (b)"),
    (["a", "b"], [], ["c", "c"], "more than once in failed (c)"),
    (["a", "b", "c"], [], ["c"], "both a record and failed (c)"),
    (["a", "b", "c", "zz"], [], [], "1 ids that were not sampled (zz)"),
    (["a", "b"], ["zz"], ["c"], "not sampled (zz)"),
])
def test_a_broken_account_fails_loudly_naming_the_ids(records, rejects, failed, message):
    with pytest.raises(AccountingError, match="accounting broken") as e:
        check_accounting(["a", "b", "c"], records, rejects, failed)
    assert message in str(e.value) and "\n" not in str(e.value)
