"""Test layers of plonesocial: one Plone fixture, integration and functional layers."""

from plone.app.testing import applyProfile
from plone.app.testing import FunctionalTesting
from plone.app.testing import IntegrationTesting
from plone.app.testing import PLONE_FIXTURE
from plone.app.testing import PloneSandboxLayer
from plone.testing.zope import WSGI_SERVER_FIXTURE

import plonesocial


class PlonesocialLayer(PloneSandboxLayer):
    defaultBases = (PLONE_FIXTURE,)

    def setUpZope(self, app, configurationContext):
        import zope.i18n.config

        # Compile the .po files as `make run` does (zope_i18n_compile_mo_files),
        # before our ZCML registers the catalogues: the pages are tested in German too.
        zope.i18n.config.COMPILE_MO_FILES = True
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
        # Real permissions: items start private, as on a Plone site.
        portal.portal_workflow.setDefaultChain("simple_publication_workflow")


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
