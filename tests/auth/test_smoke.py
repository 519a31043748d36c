from tests.conftest import login, text_of


def test_login_and_home(client, world):
    response = login(client, "worker_a", follow=True)
    assert response.status_code == 200
    assert "东关一网格" in text_of(response)
