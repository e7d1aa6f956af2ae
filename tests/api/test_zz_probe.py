def test_probe(hms):
    assert "default" in hms.get_all_databases()
