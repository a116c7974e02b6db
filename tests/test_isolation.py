"""No merchant can see, change or download another merchant's data."""

from tests.conftest import run_jobs, sign_up
from tests.test_thin_path import upload_csv
from webapp.models import Upload


def test_another_merchant_gets_404_and_sees_nothing(app, merchant_client):
    page = upload_csv(merchant_client)
    run_jobs(app)
    upload_id = Upload.get().id
    other = app.test_client()
    sign_up(other, "merchant-b@example.com")
    for url in (page, f"/uploads/{upload_id}/rejected.csv", f"/uploads/{upload_id}/mapping"):
        response = other.get(url)
        assert response.status_code == 404, url
        assert "SBX" not in response.get_data(as_text=True)
    for url in ("/shipments", "/shipments?status=alert", "/shipments?q=SBX", "/uploads"):
        body = other.get(url).get_data(as_text=True)
        assert "SBXALERTLOST01" not in body and "orders.csv" not in body, url
    assert merchant_client.get(page).status_code == 200
