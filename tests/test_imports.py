"""Import rules: the merchant's carrier column, and numbers no provider is asked about."""

from jobs.store.models import Shipment, TrackingEvent
from tests.conftest import run_jobs
from tests.test_thin_path import upload_csv


def test_the_files_carrier_wins_and_the_disagreement_is_kept(app, merchant_client):
    csv_text = "tracking number,carrier\nLX123456785CN,UPS\n1Z999AA10123456784,ups\n"
    upload_csv(merchant_client, csv_text)
    run_jobs(app)
    s10 = Shipment.get(Shipment.tracking_number == "LX123456785CN")
    assert (s10.carrier, s10.detected_carrier) == ("ups", "china-post")
    agreeing = Shipment.get(Shipment.tracking_number == "1Z999AA10123456784")
    assert (agreeing.carrier, agreeing.detected_carrier) == ("ups", None)


def test_unresolvable_numbers_stay_not_found_without_asking_a_provider(app, merchant_client):
    upload_csv(merchant_client, "tracking number\n1Z999AA10123456785\nHELLOWORLD42\n")
    run_jobs(app)
    verdicts = {s.tracking_number: (s.status, s.reason) for s in Shipment.select()}
    assert verdicts == {
        "1Z999AA10123456785": ("not_found", "invalid_number"),
        "HELLOWORLD42": ("not_found", "carrier_unidentified"),
    }
    assert TrackingEvent.select().count() == 0
    assert Shipment.select().where(Shipment.checked_at.is_null()).count() == 0


def test_a_known_conflict_stays_visible_unless_the_file_decides_it(app, merchant_client):
    csv_text = (
        "tracking number,carrier,country\n"
        "00340434161094010006,,\n"  # DHL Paket and USPS rules both accept it
        "00340434161094010013,DHL,\n"  # the carrier column decides
        "00340434161094010020,,Deutschland\n"  # the destination country decides
    )
    upload_csv(merchant_client, csv_text)
    run_jobs(app)
    found = {s.tracking_number: (s.carrier, s.detection_reason) for s in Shipment.select()}
    assert found == {
        "00340434161094010006": (None, "carrier_conflict"),
        "00340434161094010013": ("dhl-paket", None),
        "00340434161094010020": ("dhl-paket", None),
    }


def test_a_status_without_events_never_builds_the_text_reader(monkeypatch):
    """Every new shipment gets its first status from classify(events=[]): that must not train
    the fallback model (seconds and ~100 MB per process), which only reads event texts."""
    import jobs.tracking.reading
    from jobs.tracking.timeline import latest_state

    def refuse():
        raise AssertionError("the text reader was built for no events")

    monkeypatch.setattr(jobs.tracking.reading, "default_reader", refuse)
    assert latest_state([]) is None
