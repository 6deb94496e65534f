"""``reconciler import`` on the command line: selecting customers, refusing bad selections, writing nothing then."""

from __future__ import annotations


def test_select_by_alias_and_by_id(workspace):
    result = workspace.run("import", "--out", "out", "--customer", "globex",
                           "--customer", workspace.customer_ids["acme"], "--customer", "acme")
    assert sorted(workspace.files("out")) == ["acme.yaml", "globex.yaml"]
    assert "Imported 2 customers and 2 contracts into out; 0 fields not imported." in result.stdout
    assert "No changes" in workspace.run("plan", "out", "--detailed-exitcode").stdout


def test_unknown_customer_is_an_error_and_nothing_is_written(workspace):
    result = workspace.run("import", "--out", "out", "--customer", "acme", "--customer", "nobody",
                           "--customer", "00000000-0000-4000-8000-000000000000", ok=(1,))
    assert "'nobody'" in result.stderr and "00000000-0000-4000-8000-000000000000" in result.stderr
    assert not (workspace.path / "out").exists()


def test_customer_or_all_is_required(workspace):
    assert "give --customer" in workspace.run("import", "--out", "out", ok=(1,)).stderr
    assert "give --customer" in workspace.run("import", "--out", "out", "--all", "--customer", "acme",
                                              ok=(1,)).stderr
