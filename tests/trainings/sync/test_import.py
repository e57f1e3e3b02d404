"""``importer.import_file``: the registry from a CSV or JSON file, all or nothing, every bad line named."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from ila_sme.extensions import db
from ila_sme.trainings import importer
from tests import factories
from tests.trainings.sync.conftest import api_training, audit_count, catalogue_state, runs, trainings

HEADER = ("registry_id;title;provider_name;provider_enterprise_number;language;hours;ects;eqf_level;delivery;cost;"
          "eligible_ila;eligible_paid_leave;leads_to_microcredential;valid_from;valid_until;withdrawn")


def csv_bytes(*lines: str, header: str = HEADER, bom: bool = True) -> bytes:
    return (("\ufeff" if bom else "") + "\r\n".join([header, *lines]) + "\r\n").encode("utf-8")


GOOD_CSV = csv_bytes(
    "ODB-200001;Boekhouden voor KMO's;Syntra West;0403.170.701;nl;40,5;3,0;5;onsite;450,10;ja;ja;nee;2025-09-01;"
    "2027-08-31;nee",
    "ODB-200002;Français des affaires;Alliance Française;;FR;36;;;blended;1.234,56;true;false;1;01/09/2025;;0",
    "",  # an empty line is skipped
    "ODB-200003;Oude cursus;VDAB;;nl;8;;2;online;0;no;no;no;;;yes",
)


def test_a_good_csv_file_is_imported(app):
    run = importer.import_file(GOOD_CSV, "csv")

    assert (run.source, run.state, run.inserted, run.updated, run.withdrawn, run.unchanged) == (
        "file", "done", 3, 0, 0, 0)
    assert run.watermark is None
    db.session.expire_all()
    mirrored = trainings()
    first = mirrored["ODB-200001"]
    assert (first.title, first.provider_name, first.language, first.delivery, first.employer_id) == (
        "Boekhouden voor KMO's", "Syntra West", "nl", "onsite", None)
    assert (first.hours, first.study_points, first.eqf_level, first.cost_cents) == (
        Decimal("40.50"), Decimal("3.0"), 5, 45010)
    assert (first.eligible_ila, first.eligible_paid_leave, first.leads_to_microcredential, first.withdrawn) == (
        True, True, False, False)
    assert (first.valid_from, first.valid_until) == (date(2025, 9, 1), date(2027, 8, 31))
    french = mirrored["ODB-200002"]
    assert (french.language, french.cost_cents, french.study_points, french.eqf_level) == ("fr", 123456, None, None)
    assert (french.eligible_ila, french.eligible_paid_leave, french.leads_to_microcredential) == (True, False, True)
    assert (french.valid_from, french.valid_until) == (date(2025, 9, 1), None)
    assert mirrored["ODB-200003"].withdrawn is True  # inserted as withdrawn: counted as inserted
    assert audit_count("training.registry_added") == 3 and audit_count("registry.imported") == 1


def test_a_comma_separated_csv_without_bom_quotes_its_decimal_commas(app):
    content = csv_bytes('ODB-200009,"Lassen, basis",VDAB,,nl,"12,5",,,onsite,"99,99",1,1,0,,,0',
                        header=HEADER.replace(";", ","), bom=False)
    run = importer.import_file(content, "csv")
    assert run.inserted == 1
    lassen = trainings()["ODB-200009"]
    assert (lassen.title, lassen.hours, lassen.cost_cents) == ("Lassen, basis", Decimal("12.50"), 9999)


def test_importing_the_same_file_again_changes_nothing_and_a_changed_file_updates(app, tmp_path):
    path = tmp_path / "registry.csv"
    path.write_bytes(GOOD_CSV)
    importer.import_file(path, "csv")
    again = importer.import_file(str(path), "csv")
    assert (again.inserted, again.updated, again.withdrawn, again.unchanged) == (0, 0, 0, 3)

    changed = (GOOD_CSV.replace(b"Boekhouden voor KMO's", b"Boekhouden 2026")
               .replace(b"01/09/2025;;0", b"01/09/2025;;1"))  # ODB-200002 withdrawn
    run = importer.import_file(changed, "csv")
    assert (run.inserted, run.updated, run.withdrawn, run.unchanged) == (0, 1, 1, 1)
    assert trainings()["ODB-200001"].title == "Boekhouden 2026" and trainings()["ODB-200002"].withdrawn is True


@pytest.mark.parametrize("wrapped", [False, True], ids=["list", "object"])
def test_a_good_json_file_is_imported(app, wrapped):
    items = [api_training("ODB-300001", cost="450.10", hours=40.5, ects=3.0),
             api_training("ODB-300002", title="Excel", delivery="online", withdrawn=True, updated_at=None)]
    run = importer.import_file(json.dumps({"trainings": items} if wrapped else items).encode(), "json")
    assert (run.inserted, run.state) == (2, "done")
    mirrored = trainings()
    assert (mirrored["ODB-300001"].cost_cents, mirrored["ODB-300001"].hours) == (45010, Decimal("40.50"))
    assert mirrored["ODB-300002"].withdrawn is True and mirrored["ODB-300002"].delivery == "online"


def _bad_csv(shop) -> bytes:
    factories.training(shop.employer, registry_id="OWN-1", title="Onze eigen cursus")
    factories.training(None, registry_id="ODB-299999", title="Already listed", cost_cents=1000)
    db.session.commit()
    return csv_bytes(
        "ODB-200001;Boekhouden;Syntra;;nl;40;;;onsite;450,10;ja;ja;nee;;;nee",  # line 2: good
        "ODB-200002;;Syntra;;nl;40;;;onsite;450,00;ja;ja;nee;;;nee",  # 3: missing title
        "ODB-200003;Excel;Syntra;;nl;40;;;onsite;vierhonderd;ja;ja;nee;;;nee",  # 4: bad cost
        "ODB-200004;Lassen;VDAB;;nl;40;;;onsite;450,001;ja;ja;nee;;;nee",  # 5: three decimals
        "ODB-200005;Frans;CVO;;fr;40;;;onsite;100;ja;ja;nee;2026-02-30;;nee",  # 6: bad date
        "ODB-200001;Boekhouden bis;Syntra;;nl;40;;;onsite;450,10;ja;ja;nee;;;nee",  # 7: duplicate of line 2
        "OWN-1;Overgenomen;Syntra;;nl;40;;;onsite;10;ja;ja;nee;;;nee",  # 8: an employer's own training
        "ODB-299999;Already listed, renamed;Syntra;;nl;40;;;onsite;10;ja;ja;nee;;;nee",  # 9: good update
        "ODB-200006;Te kort;Syntra;;nl;40",  # 10: too few values
        "ODB-200007;Heftruck;;;nl;40;;;per post;10;misschien;ja;nee;2027-01-01;2026-01-01;nee",  # 11
    )


def test_a_bad_csv_file_changes_nothing_and_names_every_bad_line(app, shop):
    content = _bad_csv(shop)
    state, events = catalogue_state(), audit_count()

    with pytest.raises(importer.RegistryImportError) as raised:
        importer.import_file(content, "csv")

    reported = [(problem.line, problem.reason) for problem in raised.value.problems]
    assert reported == [
        (3, "title is missing"),
        (4, "cost must be a number, not “vierhonderd”"),
        (5, "cost must be an amount of at least 0 with at most two decimals, not “450,001”"),
        (6, "valid_from must be a date such as 2026-08-31, not “2026-02-30”"),
        (7, "registry_id ODB-200001 is already on line 2"),
        (8, "registry_id OWN-1 belongs to an employer's own training, which is not overwritten"),
        (10, "6 values where the header has 16 columns"),
        (11, "provider_name is missing; delivery must be onsite, online or blended, not “per post”; "
             "eligible_ila must be true or false, not “misschien”; valid_until 2026-01-01 is before valid_from "
             "2027-01-01"),
    ]
    assert str(raised.value.problems[0]) == "line 3: title is missing"
    db.session.expire_all()
    assert catalogue_state() == state and audit_count() == events  # lines 2 and 9 were good: not saved either
    failed = runs()[-1]
    assert (failed.source, failed.state, failed.inserted, failed.updated) == ("file", "failed", 0, 0)
    assert failed.error.startswith("8 bad rows, nothing imported: line 3: title is missing; line 4: ")
    assert len(failed.error) <= 500


def test_a_bad_json_file_names_each_item_by_its_position(app, shop):
    factories.training(shop.employer, registry_id="OWN-1")
    db.session.commit()
    items = [
        api_training("ODB-400001"),
        api_training("ODB-400002", title=None),
        api_training("ODB-400003", cost=450.1),
        api_training("ODB-400004", valid_until="31-08-2027"),
        api_training("ODB-400001", title="twice"),
        api_training("OWN-1"),
        "not a training",
    ]
    with pytest.raises(importer.RegistryImportError) as raised:
        importer.import_file(json.dumps(items).encode(), "json")
    assert [(problem.line, problem.reason) for problem in raised.value.problems] == [
        (2, "title is missing"),
        (3, 'cost must be a decimal string such as "450.00", not the number 450.1'),
        (4, "valid_until must be a date such as 2026-08-31, not “31-08-2027”"),
        (5, "registry_id ODB-400001 is already on line 1"),
        (6, "registry_id OWN-1 belongs to an employer's own training, which is not overwritten"),
        (7, "A training must be an object with named fields"),
    ]
    assert trainings() == {"OWN-1": trainings()["OWN-1"]}


@pytest.mark.parametrize(("content", "fmt", "expected"), [
    (b"", "csv", [(0, "The file is empty.")]),
    (csv_bytes(header="registry_id;title;kost"), "csv",
     [(1, "missing column(s): provider_name, hours, delivery, cost; unknown column(s): kost (the columns are: "
          "registry_id, title, provider_name, hours, delivery, cost, provider_enterprise_number, language, ects, "
          "eqf_level, eligible_ila, eligible_paid_leave, leads_to_microcredential, valid_from, valid_until, "
          "withdrawn, updated_at, starts_on, ends_on, qualifies_for)")]),
    (csv_bytes(), "csv", [(0, "The file holds no training.")]),
    ("registry_id;title\néé".encode("latin-1"), "csv", [(0, "The file is not UTF-8 text (byte 19).")]),
    (b'[{"registry_id": "ODB-1",}]', "json", [(0, "The file is not valid JSON: Expecting property name enclosed "
                                                  "in double quotes (line 1).")]),
    (b'{"items": []}', "json", [(0, 'The JSON file must be a list of trainings or {"trainings": [...]}.')]),
    (b"[]", "json", [(0, "The file holds no training.")]),
], ids=["empty", "bad-header", "no-rows", "not-utf8", "bad-json", "json-shape", "json-empty"])
def test_a_file_that_cannot_be_read_is_refused_as_a_whole(app, content, fmt, expected):
    with pytest.raises(importer.RegistryImportError) as raised:
        importer.import_file(content, fmt)
    assert [(problem.line, problem.reason) for problem in raised.value.problems] == expected
    line, reason = expected[0]
    assert str(raised.value) == (f"line {line}: {reason}" if line else reason)  # line 0: the file itself
    assert trainings() == {} and runs()[-1].state == "failed"
