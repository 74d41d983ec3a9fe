"""schemathesis hooks for scripts/api-fuzz.sh (SCHEMATHESIS_HOOKS).

The document states every rule a schema can state. A few profile rules
compare a value with something no schema can reach: an IBAN's check
digits, a birthdate's age against today, a link's range against its
description's text; and a link's `pos` and `len` are written as integers
(`7`, not `7.0`, which JSON Schema counts as the same integer). App.net's
PUT and PATCH merge annotations by type with the stored ones, and the
merged list is limited (20): the count depends on what is stored, so
schema-valid annotations are left out of App.net bodies (the native
operations, which replace the list, cover annotations). An image's alt
text can be set only on an uploaded image, which the fuzzing account may
not have: a schema-valid one is sent as `null` (clearing it); and an
upload's `alt` that is not a string is not sent (multipart has only text).
An `email` in a profile edit is accepted only unchanged unless the caller holds
`users.manage` (the fuzzing account does not: 422 `use_email_change`), so a
schema-valid address is left out of edit bodies (`PUT /v1/users/me/email`
is fuzzed on its own). Generated bodies that satisfy the schema but break
one of these get a value that keeps the rule, so that schema-valid data
stays valid; a body that violates the schema anywhere is left as it is
(the value is replaced only when it matches its own schema), so negative
data stays negative.
"""

import datetime
import re

import schemathesis
from schemathesis.checks import CHECKS
from schemathesis.specs.openapi.checks import use_after_free as _use_after_free

IBAN = re.compile(r"^[A-Za-z]{2}[0-9]{2}[A-Za-z0-9]{11,30}$")
A_VALID_IBAN = "DE44500105175407324931"
URL = re.compile(r"^https?://[^\s]+$")
LINK_MEMBERS = {"url", "text", "pos", "len"}
IMAGE_REDIRECTS = {"GET /v1/users/{user}/avatar", "GET /v1/users/{user}/cover"}
APP_NET_EDITS = {"PUT /stream/0/users/me", "PATCH /stream/0/users/me"}
# Bodies that refuse members of their own (the native API); the dialects'
# bodies ignore them, inside a description's links too.
NATIVE_EDITS = {"PUT /v1/users/{user}", "PATCH /v1/users/{user}"}
NATIVE_UPLOADS = {"POST /v1/users/{user}/avatar", "POST /v1/users/{user}/cover"}
# An image's alt text (`avatar_image.alt`, `cover_image.alt`) as its schema
# allows it: at most 1,500 characters, no control characters but \t \n \r.
ALT = re.compile(r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]{0,1500}$")
ANNOTATION_TYPE = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
# Operations whose `email` is not a profile edit.
EMAIL_IS_THE_POINT = {"POST /v1/accounts", "POST /v1/password-resets"}


def _iban_ok(value):
    code = value.upper()
    digits = "".join(str(int(c, 36)) for c in code[4:] + code[:4])
    return int(digits) % 97 == 1 and code == value


def _too_young(value):
    try:
        born = datetime.date.fromisoformat(value)
    except ValueError:
        return False
    today = datetime.date.today()
    return born > today.replace(year=today.year - 14) or born.year < 1900


def _schema_valid_link(link, strict):
    return (
        isinstance(link, dict)
        and (not strict or set(link) <= LINK_MEMBERS)
        and {"url", "pos", "len"} <= set(link)
        and isinstance(link["url"], str)
        and URL.match(link["url"]) is not None
        and len(link["url"]) <= 2048
        and type(link["pos"]) is int
        and 0 <= link["pos"] <= 255
        and type(link["len"]) is int
        and 1 <= link["len"] <= 256
        and (not isinstance(link.get("text"), str) or len(link["text"]) <= 256)
        and ("text" not in link or isinstance(link["text"], str))
    )


def _schema_valid_annotations(annotations):
    return isinstance(annotations, list) and len(annotations) <= 20 and all(
        isinstance(a, dict)
        and {"type", "value"} <= set(a)
        and isinstance(a["type"], str)
        and len(a["type"]) <= 128
        and ANNOTATION_TYPE.match(a["type"]) is not None
        and isinstance(a["value"], dict)
        for a in annotations
    )


def _links_fit(text, links):
    end = 0
    for link in sorted(links, key=lambda link: link["pos"]):
        if link["pos"] < end or link["pos"] + link["len"] > len(text):
            return False
        end = link["pos"] + link["len"]
    return True


@schemathesis.hook
def map_body(context, body):
    if not isinstance(body, dict):
        return body
    operation = getattr(context.operation, "label", None)
    if operation in APP_NET_EDITS and _schema_valid_annotations(body.get("annotations")):
        del body["annotations"]
    # Setting an alt text needs an uploaded image (422 `no_image` on the
    # default one): which image the account has is state, not schema, so a
    # schema-valid alt text becomes `null` (clearing is always allowed).
    for key in ("avatar_image", "cover_image") if operation in NATIVE_EDITS else ():
        image = body.get(key)
        if isinstance(image, dict) and isinstance(image.get("alt"), str) and ALT.match(image["alt"]):
            image["alt"] = None
    email = body.get("email")
    if (
        isinstance(email, str)
        and len(email) <= 254
        and EMAIL.match(email)
        and operation not in EMAIL_IS_THE_POINT
    ):
        del body["email"]
    for key in ("bank_account", "bankAccount"):  # dialect 001 writes camelCase
        account = body.get(key)
        if isinstance(account, str) and IBAN.match(account) and not _iban_ok(account):
            body[key] = A_VALID_IBAN
    birthdate = body.get("birthdate")
    if isinstance(birthdate, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", birthdate) and _too_young(birthdate):
        body["birthdate"] = "1990-04-01"
    description = body.get("description")
    if isinstance(description, dict) and isinstance(description.get("text"), str):
        entities = description.get("entities")
        links = entities.get("links") if isinstance(entities, dict) else None
        for link in links if isinstance(links, list) else []:
            for key in ("pos", "len"):
                if isinstance(link, dict) and type(link.get(key)) is float and link[key].is_integer():
                    link[key] = int(link[key])
        if (
            isinstance(links, list)
            and all(_schema_valid_link(link, operation in NATIVE_EDITS) for link in links)
            and not _links_fit(description["text"], links)
        ):
            entities["links"] = []
    return body


@schemathesis.hook
def filter_body(context, body):
    # A multipart field is text: an upload's `alt` generated as `null`, a
    # number or an object arrives as the text `null`, `5` or `{…}`, which is
    # a valid alt text. Such cases cannot say what they mean, so they are
    # not sent (schema-violating texts, too long or with control
    # characters, still are).
    operation = getattr(context.operation, "label", None)
    if operation in NATIVE_UPLOADS and isinstance(body, dict) and "alt" in body:
        return isinstance(body["alt"], str)
    return True


# Replaced under its own name, so that `-c all` and `-c use_after_free` still
# select it (schemathesis is pinned: scripts/api-fuzz.sh).
CHECKS.unregister("use_after_free")


@schemathesis.check
def use_after_free(ctx, response, case):
    if case.operation.label in IMAGE_REDIRECTS:
        return None
    return _use_after_free(ctx, response, case)
