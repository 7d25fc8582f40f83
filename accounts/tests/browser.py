"""Signing in from a real browser, for the Playwright tests."""

from accounts.tests.factories import DEFAULT_PASSWORD


def sign_in(page, live_server, username: str, password: str = DEFAULT_PASSWORD) -> None:
    """Sign in through the site's own form and wait until it has let us in (the next page loaded),
    so that a test going on at once never races the sign-in."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
