"""Detection tests: normalization, verdicts, known conflicts, hints, spreadsheet damage, spec."""

import json

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from jobs.tracking.carrier_rules import default_table
from jobs.tracking.carriers import (
    MANGLED,
    Detection,
    carrier_name,
    detect,
    is_mangled,
    known_carriers,
    normalize,
    tracking_url,
)
from tests.shared_spec import require_shared, shared_path

SPEC = shared_path("tracking_number_data", "couriers")
# tracking_number_data courier codes that differ from ours (dhl and s10 are resolved below).
SPEC_CODES = {"canada_post": "canada-post", "old_dominion": "old-dominion"}
SPEC_DHL = {"DHL Express": "dhl-express", "DHL Express (Piece ID)": "dhl-express"}
# Spec examples we treat differently on purpose, with the reason.
SPEC_EXCEPTIONS = {
    # Listed as an invalid "Purolator (alpha + 9)" number, but it is a valid Purolator 12-digit one.
    ("purolator", "invalid", "331426749957"),
}


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("1z 999 aa1 0123 4567 84", "1Z999AA10123456784"),
        ("  9400-1112-0108-0805-4830-16 ", "9400111201080805483016"),
        ("'0073938000549297", "0073938000549297"),
        ('"LX427868011GB"', "LX427868011GB"),
        ("rb.123.456.785.gb", "RB123456785GB"),
        ("1Z\u00a0999\u200bAA1\ufeff0123456784", "1Z999AA10123456784"),
        ("\uff11\uff3a\uff19\uff19\uff19\uff41\uff41", "1Z999AA"),  # full-width digits and letters
        ("RB\u2013123\u2014456\u2212785GB", "RB123456785GB"),  # en/em dash, minus sign
        ("‘YT2229521272164446’", "YT2229521272164446"),
        ("", ""),
    ],
)
def test_normalize(raw, number):
    assert normalize(raw) == number


@pytest.mark.parametrize(
    ("raw", "carrier", "candidates", "reason"),
    [
        ("1Z999AA10123456784", "ups", ("ups",), None),
        ("1Z999AA10123456785", None, ("ups",), "invalid_number"),
        ("RB123456785GB", "royal-mail", ("royal-mail",), None),
        ("EE123456785CN", "china-post", ("china-post",), None),
        ("CP123456785DE", "deutsche-post", ("deutsche-post",), None),
        ("RR123456785FR", "la-poste", ("la-poste",), None),
        ("RB123456785CV", "upu-post", ("upu-post",), None),  # generic fallback by suffix
        ("9400111206206406260787", "usps", ("usps",), None),
        ("C11031500001879", "ontrac", ("ontrac",), None),
        ("YT2229521272164446", "yunexpress", ("yunexpress",), None),
        ("4PX3000123456789CN", "4px", ("4px",), None),
        ("LP00123456789012", "cainiao", ("cainiao",), None),
        ("SF1234567890123", "sf-express", ("sf-express",), None),
        ("JT1234567890123", "jt-express", ("jt-express",), None),
        ("3SABCD123456789", "postnl", ("postnl",), None),
        ("6A12345678901", "colissimo", ("colissimo",), None),
        ("ZA3BC7D1", "gls", ("gls",), None),  # GLS Track-ID
        ("AB1234567", "parcelforce", ("parcelforce",), None),
        ("ABC", None, (), "carrier_unidentified"),
        ("", None, (), "invalid_number"),
    ],
)
def test_detect_table(raw, carrier, candidates, reason):
    result = detect(raw)
    assert (result.carrier, result.candidates, result.reason) == (carrier, candidates, reason)
    assert result.valid is (reason is None)


# The conflicts found in /work/shared/reference/carrier-formats.md, each with its verdict.
@pytest.mark.parametrize(
    ("raw", "carrier", "candidates", "reason"),
    [
        # A full S10 with a valid check beats DHL eCommerce's prefix-only rule ...
        ("LX427868011GB", "royal-mail", ("royal-mail",), None),
        # ... and a failed S10 check is invalid, not "valid DHL eCommerce".
        ("LX940196554CA", None, ("canada-post",), "invalid_number"),
        ("287809468872", None, ("fedex", "purolator"), "carrier_conflict"),
        ("78045768393", None, ("dhl-express", "old-dominion", "gls"), "carrier_conflict"),
        ("JFV247545960", None, ("dhl-express", "purolator"), "carrier_conflict"),
        # USPS IMpb with the 420+ZIP routing prefix wins over FedEx 34.
        ("4201028200009261290113185417468510", "usps", ("usps",), None),
        # DHL Paket's 00340434 barcode and USPS 20 share the GS1 check digit: a conflict the
        # file's carrier column or the destination country decides (see test_conflicts_decided).
        ("00340434161094010006", None, ("usps", "dhl-paket"), "carrier_conflict"),
        ("00340434161094010060", None, ("usps", "dhl-paket"), "invalid_number"),
        # Yanwen's non-ISO suffix YP is not an invalid S10 number.
        ("UY894729184YP", "yanwen", ("yanwen",), None),
        # Exact lengths keep Yodel's JJD+16 apart from DHL Paket's JJD+13.
        ("JJD0002247492936157", "yodel", ("yodel",), None),
        ("JJD0001234567890", "dhl-paket", ("dhl-paket",), None),
        # Any 14 digits: DHL eCommerce and DPD without its check char, both checksum-free.
        ("60120172242323", None, ("dhl-ecommerce", "dpd"), "carrier_conflict"),
        # Cainiao's six-letter prefix is more specific than DHL eCommerce's CN.
        ("CNUSUP12345678901", "cainiao", ("cainiao",), None),
        # A check-digit format verified on real numbers outweighs a checksum-free one.
        ("0073938000549297", "canada-post", ("canada-post", "evri"), None),
    ],
)
def test_known_conflicts(raw, carrier, candidates, reason):
    result = detect(raw)
    assert (result.carrier, result.candidates, result.reason) == (carrier, candidates, reason)


@pytest.mark.parametrize(
    ("raw", "hint", "country", "carrier"),
    [
        ("00340434161094010006", "DHL", None, "dhl-paket"),
        ("00340434161094010006", None, "DE", "dhl-paket"),
        ("00340434161094010006", None, "US", "usps"),
        ("00340434161094010006", None, "FR", None),
        ("287809468872", None, "CA", "purolator"),
        ("287809468872", None, "US", "fedex"),
    ],
)
def test_conflicts_decided_by_the_carrier_column_or_the_country(raw, hint, country, carrier):
    result = detect(raw, hint=hint, country=country)
    assert result.carrier == carrier
    assert result.reason == (None if carrier else "carrier_conflict")


@pytest.mark.parametrize(
    ("raw", "hint", "carrier", "reason"),
    [
        ("287809468872", "Purolator", "purolator", None),
        ("287809468872", "FEDEX ground", "fedex", None),
        ("287809468872", "Royal Mail", None, "carrier_conflict"),  # not a candidate: no say
        ("78045768393", "DHL", "dhl-express", None),  # a brand hint names one candidate
        ("60120172242323", "dpd", "dpd", None),
        ("1Z999AA10123456785", "UPS", None, "invalid_number"),  # never overrides a check digit
        ("RB123456785GB", "USPS", "royal-mail", None),  # contradiction kept for the caller
    ],
)
def test_hint_decides_only_between_candidates(raw, hint, carrier, reason):
    result = detect(raw, hint=hint)
    assert (result.carrier, result.reason) == (carrier, reason)


@pytest.mark.parametrize(
    "raw",
    [
        "9.4001E+21",
        "9,4001E+21",
        "1.23457e+11",
        "'9.4001E+21",
        "940011120620.0",
        "340434161094010006",  # DHL Paket 00340434… lost its two leading zeros
        "3071790000523483741",
    ],  # USPS 0307 1790 0005 2348 3741 lost its leading zero
)
def test_spreadsheet_damage_is_flagged_not_repaired(raw):
    result = detect(raw)
    assert (result.valid, result.carrier, result.reason) == (False, None, MANGLED)


def test_to_json_matches_the_cli_contract():
    assert detect("1z 999 aa1 0123 4567 84").to_json() == {
        "input": "1z 999 aa1 0123 4567 84",
        "number": "1Z999AA10123456784",
        "valid": True,
        "carrier": "ups",
        "candidates": ["ups"],
        "reason": None,
    }


def test_carrier_names_and_urls():
    codes = dict(known_carriers())
    assert {
        "ups",
        "usps",
        "fedex",
        "dhl-express",
        "china-post",
        "royal-mail",
        "yunexpress",
        "cainiao",
    } <= set(codes)
    assert carrier_name("royal-mail") == "Royal Mail"
    assert carrier_name("acme-courier") == "acme-courier"
    assert tracking_url("ups", "1Z999AA10123456784").endswith("1Z999AA10123456784")
    assert tracking_url("yanwen", "UY894729184YP") is None
    assert tracking_url("acme-courier", "X1") is None


def _our_code(courier: str, product: str, number: str) -> str:
    if courier == "s10":  # the issuing post of the country suffix
        table = default_table()
        return table.s10_operators.get(normalize(number)[-2:], table.s10_fallback)
    if courier == "dhl":
        return SPEC_DHL.get(product, "dhl-ecommerce")
    return SPEC_CODES.get(courier, courier)


def _spec_cases():
    if not SPEC.is_dir():  # one case that skips, or fails in CI (see require_shared)
        return [pytest.param(None, None, None, id="specification-missing")]
    cases = []
    for path in sorted(SPEC.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for product in data["tracking_numbers"]:
            for kind in ("valid", "invalid"):
                for number in product["test_numbers"][kind]:
                    ours = _our_code(data["courier_code"], product["name"], number)
                    cases.append(pytest.param(ours, kind, number, id=f"{ours}-{kind}-{number}"))
    return cases


@pytest.mark.parametrize(("carrier", "kind", "number"), _spec_cases())
def test_specification_examples(carrier, kind, number):
    """A valid example is accepted by its carrier; an invalid one is not (others may accept it)."""
    require_shared("tracking_number_data", "couriers")
    if (carrier, kind, normalize(number)) in SPEC_EXCEPTIONS:
        pytest.skip("treated differently on purpose (see SPEC_EXCEPTIONS)")
    result = detect(number)
    accepted_by = set(result.candidates) if result.valid else set()
    assert (carrier in accepted_by) is (kind == "valid"), result


@given(st.text())
def test_detect_never_raises_and_normalize_is_idempotent(raw):
    result = detect(raw)
    assert isinstance(result, Detection)
    assert normalize(result.number) == result.number
    assert result.reason in (
        None,
        "invalid_number",
        "carrier_unidentified",
        "carrier_conflict",
        MANGLED,
    )
    assert result.carrier is None or result.carrier in result.candidates


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPRSTUVWXYZ -.'\u00a0\u200b\uff11", max_size=40))
def test_detect_agrees_on_normalized_input(raw):
    assume(not is_mangled(raw))  # "940011120620.0" is flagged; its normalized form is not
    assert detect(normalize(raw)).carrier == detect(raw).carrier
