"""Reading a subsystem's registry settings: the site's records, or the schema's defaults."""

from plone.registry.interfaces import IRegistry
from zope.component import queryUtility


class Defaults:
    """A schema's defaults, for a plain ZODB without a registry (unit tests, scripts)."""

    def __init__(self, schema):
        self._schema = schema

    def __getattr__(self, name):
        try:
            return self._schema[name].default
        except KeyError:
            raise AttributeError(name) from None


class RegistrySettings:
    """The settings of one subsystem: one schema under one registry prefix.

    Each subsystem reads its own settings where it uses them, through one of
    these; nothing copies them into storage.
    """

    def __init__(self, schema, prefix):
        self.schema = schema
        self.prefix = prefix

    def is_installed(self):
        """Tell whether the current site's registry has this subsystem's records."""
        registry = queryUtility(IRegistry)
        if registry is None:
            return False
        first = next(iter(self.schema.names()))
        return f"{self.prefix}.{first}" in registry.records

    def get(self):
        """Return the settings: the registry's if it has them, else the defaults."""
        if self.is_installed():
            return queryUtility(IRegistry).forInterface(self.schema, prefix=self.prefix,
                                                        check=False)
        return Defaults(self.schema)
