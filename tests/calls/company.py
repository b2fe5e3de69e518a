"""Provisioning YAML for the end-to-end tests: one company, agents with phones, groups."""

from __future__ import annotations

import textwrap

DOMAIN = "test.helin"
SUPPORT = "+3726000100"
SALES = "+3726000200"
OUTSIDE = "+3728000000"
"""A number outside the company: calls to it leave through the trunk."""


def password(device: str) -> str:
    """Each phone's SIP password (derived from its name, at least 8 characters)."""
    return f"{device}-sip-secret"


def agent(name: str, number: str, *, devices: tuple[str, ...] = ("desk",), **extra: str) -> str:
    """A user with the agent right, their own number and ``<name>-<device>`` phones."""
    phones = "\n".join(
        f"      - {{kind: softphone, sip_username: {device}, password: {password(device)}}}"
        for device in (f"{name}-{d}" for d in devices)
    )
    lines = "".join(f"    {key}: {value!r}\n" for key, value in extra.items())
    return (
        f"  - username: {name}\n"
        f"    password: {name}-web-pass\n"
        f"    rights: [agent]\n"
        f"    numbers: [{number!r}]\n"
        f"{lines}"
        f"    devices:\n{phones}\n"
    )


def company(users: str, groups: str, *, recording: bool = True, pause_reasons: str = "[]") -> str:
    """The whole file: the trunk on 127.0.0.2 (``{trunk}`` is filled by the fixture);
    ``pause_reasons`` in YAML's flow style."""
    return (
        textwrap.dedent(
            f"""\
            version: 1
            trunks:
              - name: carrier
                peers: ["127.0.0.2"]
                outbound: "{{trunk}}"
            tenants:
              - name: Test OÜ
                sip_domain: {DOMAIN}
                call_center: true
                recording: {str(recording).lower()}
                pause_reasons: {pause_reasons}
            """
        )
        + "    users:\n"
        + textwrap.indent(users, "    ")
        + "    groups:\n"
        + textwrap.indent(textwrap.dedent(groups), "      ")
    )
