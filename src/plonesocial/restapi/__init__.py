"""plone.restapi services of plonesocial, laid out as plone.restapi's own."""
