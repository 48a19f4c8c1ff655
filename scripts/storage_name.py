"""Print the class of the storage a Zope instance runs on: `bin/instance run scripts/storage_name.py`.

scripts/buildout_storages.sh runs it in the ZEO and RelStorage buildouts.
"""

app = globals()["app"]  # provided by `bin/instance run`
print("storage:", type(app._p_jar.db().storage).__name__)
