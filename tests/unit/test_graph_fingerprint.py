"""scripts/graph_fingerprint.py compares properties exactly (rules §12 step 2): a float that differs
in its last bit, an int where a float was, or a list in another order is another fingerprint."""

from __future__ import annotations

import math

from scripts.graph_fingerprint import properties_text


def test_floats_differing_in_the_last_bit_differ():
    total = 0.1 + 0.2
    other = math.nextafter(total, 1.0)
    assert total != other
    assert properties_text({"cost_s": total}) != properties_text({"cost_s": other})
    assert properties_text({"cost_s": total}) == properties_text({"cost_s": 0.30000000000000004})


def test_an_int_is_not_its_float_and_key_order_does_not_count():
    assert properties_text({"n": 1}) != properties_text({"n": 1.0})
    assert properties_text({"a": 1, "b": [2, 3]}) == properties_text({"b": [2, 3], "a": 1})


def test_list_order_counts():
    assert properties_text({"spans": [1, 2]}) != properties_text({"spans": [2, 1]})
