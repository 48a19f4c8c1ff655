"""Test layers of plonesocial: one Plone fixture, integration and functional layers."""

from plone.app.testing import applyProfile
from plone.app.testing import FunctionalTesting
from plone.app.testing import IntegrationTesting
from plone.app.testing import PLONE_FIXTURE
from plone.app.testing import PloneSandboxLayer
from plone.testing.zope import WSGI_SERVER_FIXTURE
from zope.i18n import config as i18n_config

import plonesocial


class PlonesocialLayer(PloneSandboxLayer):
    defaultBases = (PLONE_FIXTURE,)

    def setUpZope(self, app, configurationContext):
        # Compile the catalogues, as `make run` does (zope_i18n_compile_mo_files):
        # mails and pages are tested in German too.
        i18n_config.COMPILE_MO_FILES = True
        import plone.app.contenttypes
        import plone.app.discussion
        import plone.restapi

        self.loadZCML(package=plone.app.contenttypes)
        self.loadZCML(package=plone.app.discussion)
        self.loadZCML(package=plone.restapi)
        self.loadZCML(package=plonesocial)

    def setUpPloneSite(self, portal):
        applyProfile(portal, "plone.app.contenttypes:default")
        applyProfile(portal, "plone.app.discussion:default")
        applyProfile(portal, "plonesocial:default")
        # The test request has no Host header: the site URL is set as an
        # administrator would in the control panel (links in mail and push).
        portal.portal_registry["plonesocial.delivery.site_url"] = portal.absolute_url()
        # Real permissions: items start private, as on a Plone site.
        portal.portal_workflow.setDefaultChain("simple_publication_workflow")


    def testSetUp(self):
        # The rate of settings writes is counted in memory, per process: each
        # test starts with none counted.
        from plonesocial.limits import SETTINGS_WRITES

        SETTINGS_WRITES.reset()


PLONESOCIAL_FIXTURE = PlonesocialLayer()

PLONESOCIAL_INTEGRATION_TESTING = IntegrationTesting(
    bases=(PLONESOCIAL_FIXTURE,),
    name="PlonesocialLayer:IntegrationTesting",
)

PLONESOCIAL_FUNCTIONAL_TESTING = FunctionalTesting(
    bases=(PLONESOCIAL_FIXTURE,),
    name="PlonesocialLayer:FunctionalTesting",
)

# A real HTTP server on localhost, for browser tests.
PLONESOCIAL_ACCEPTANCE_TESTING = FunctionalTesting(
    bases=(PLONESOCIAL_FIXTURE, WSGI_SERVER_FIXTURE),
    name="PlonesocialLayer:AcceptanceTesting",
)


def profile_version():
    """The version of plonesocial:default's metadata.xml (what an upgrade ends at)."""
    from pathlib import Path

    import re

    path = Path(__file__).parent / "profiles" / "default" / "metadata.xml"
    return re.search(r"<version>(\d+)</version>", path.read_text()).group(1)
