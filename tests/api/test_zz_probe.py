import pytest
@pytest.mark.parametrize("i", range(10))
def test_probe(hms, i):
    assert "default" in hms.get_all_databases()
