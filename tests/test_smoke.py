from tests import factories


def test_manager_signs_in_and_sees_home(app, auth, client):
    employer = factories.employer("Bakkerij Test")
    factories.user("m@example.be", roles={employer: ["manager", "employee"]}, name="Mia")
    from ila_sme.extensions import db

    db.session.commit()
    response = auth.login("m@example.be")
    assert response.status_code == 302
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Welcome, Mia" in page
    assert "Bakkerij Test" in page
