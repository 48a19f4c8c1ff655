"""Installer for the plonesocial distribution."""

from pathlib import Path
from setuptools import find_namespace_packages
from setuptools import setup


long_description = "\n\n".join(
    [
        Path("README.md").read_text(),
        Path("CHANGES.md").read_text(),
    ]
)


setup(
    name="plonesocial",
    version="1.0.0a1.dev0",
    description=(
        "Private messages, activity streams, notifications and subscriptions "
        "for Plone 6"
    ),
    long_description=long_description,
    long_description_content_type="text/markdown",
    classifiers=[
        "Development Status :: 3 - Alpha",
        "Environment :: Web Environment",
        "Framework :: Plone",
        "Framework :: Plone :: 6.2",
        "Framework :: Plone :: Addon",
        "Framework :: Zope :: 5",
        "License :: OSI Approved :: GNU General Public License v2 (GPLv2)",
        "Operating System :: OS Independent",
        "Programming Language :: Python",
        "Programming Language :: Python :: 3.10",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
    ],
    keywords="Python Plone messaging activity stream notifications",
    license="GPL version 2",
    # Namespace packages: the data folders (templates, static, locales, profiles)
    # are declared too, which setuptools warns about otherwise (issue 14, defect 12).
    packages=find_namespace_packages(
        "src", include=["plonesocial", "plonesocial.*"], exclude=["*.__pycache__"]),
    package_dir={"": "src"},
    include_package_data=True,
    zip_safe=False,
    python_requires=">=3.10",
    install_requires=[
        "aio-pika",
        "BTrees",
        "cryptography",  # VAPID and push keys are checked when saved (issue 12)
        "persistent",
        "pika",
        "plone.api",
        "plone.app.registry",
        "plone.browserlayer",
        "plone.restapi",
        "Products.CMFPlone>=6.2",
        "Products.GenericSetup",
        "Products.MailHost",
        "py-vapid",
        "pywebpush",
        "setuptools",
        "starlette",
        "transaction",
        "uvicorn",
        "websockets",
        "ZODB",
        "zope.annotation",
        "zope.component",
        "zope.event",
        "zope.interface",
    ],
    extras_require={
        # Storages for sites that outgrow one process (see docs/scaling.md).
        "zeo": ["ZEO"],
        "relstorage": ["RelStorage", "psycopg2-binary"],
        "test": [
            "aiosmtpd",
            "http-ece",
            "hypothesis",
            "plone.app.contenttypes",
            "plone.app.discussion",
            "plone.app.testing",
            "plone.testing",
            "playwright",
            "zope.testrunner",
        ],
    },
    entry_points={
        "z3c.autoinclude.plugin": [
            "target = plone",
        ],
        "console_scripts": [
            "plonesocial-jobs = plonesocial.jobs:main",
            "plonesocial-realtime = plonesocial.realtime.gateway:main",
        ],
    },
)
