"""A JSON client for the REST tests: webtest over the functional layer's Zope app."""

from plone.testing.zope import Browser

import base64


class RestClient:
    def __init__(self, app, userid=None, password="secret-password"):
        self.testapp = Browser(app).testapp
        self.headers = {"Accept": "application/json"}
        if userid is not None:
            credentials = base64.b64encode(f"{userid}:{password}".encode()).decode()
            self.headers["Authorization"] = f"Basic {credentials}"

    def request(self, method, url, json=None, headers=None):
        all_headers = dict(self.headers, **(headers or {}))
        if json is None:
            return self.testapp.request(url, method=method, headers=all_headers,
                                        expect_errors=True)
        return getattr(self.testapp, f"{method.lower()}_json")(
            url, json, headers=all_headers, expect_errors=True)

    def get(self, url, **kw):
        return self.request("GET", url, **kw)

    def post(self, url, json=None, **kw):
        return self.request("POST", url, json=json if json is not None else {}, **kw)

    def patch(self, url, json=None, **kw):
        return self.request("PATCH", url, json=json if json is not None else {}, **kw)

    def delete(self, url, **kw):
        return self.request("DELETE", url, **kw)
