"""A member's LACP port state (actor or partner) lacks aggregatable, in-sync, collecting or distributing, or has
defaulted/expired set. Healthy is 63 (fast) or 61 (slow) on both sides; a defaulted actor means no LACPDU from
the switch, expired means they stopped. The port does not carry traffic in the aggregate. Both sides passive
(activity bit clear): a Linux bond still exchanges LACPDUs when a port comes up, so the two ends negotiate and
carry traffic, but then neither keeps sending; the partner information expires and the port drops out of the
aggregate until the next exchange, so the bond flaps (seen on a 6.1 kernel: 62/62, then partner 142 expired).

Failing: a member whose `details partner lacp pdu` has `port state: 71` (defaulted).
Passing: `port state: 63` (or 61) on both sides.
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.health import HealthContext
from talosbond.health._util import bad_bits, describe_state, missing_bits
from talosbond.model import Problem

CODE = "TB109"
NAME = "lacp-port-state"
LEVEL = "error"


def check(ctx: HealthContext) -> Iterator[Problem]:
    if not ctx.lacp:
        return
    for member in ctx.up_members:
        actor, partner = member.actor, member.partner
        if actor is None or partner is None or actor.port_state is None or partner.port_state is None:
            continue  # read without CAP_NET_ADMIN: the kernel did not print the details
        bad = missing_bits(actor.port_state) or missing_bits(partner.port_state) or bad_bits(actor.port_state)
        both_passive = not actor.port_state & 0x01 and not partner.port_state & 0x01
        if not bad and not both_passive:
            continue
        meaning: list[str] = []
        if actor.port_state & 0x40:
            meaning.append("defaulted: no LACPDU has come from the switch, the port runs on default partner values")
        if actor.port_state & 0x80:
            meaning.append("expired: the switch's LACPDUs stopped arriving")
        if partner.port_state & 0x80 and not actor.port_state & 0x80:
            meaning.append("the partner information expired: no LACPDU came from the other end in time")
        if not meaning and not actor.port_state & partner.port_state & 0x08:
            meaning.append("out of sync: the two ends disagree on the aggregate (another port-channel, key or "
                           "system)")
        if not meaning and missing_bits(actor.port_state) + missing_bits(partner.port_state):
            meaning.append("agreed on but not enabled for traffic (still negotiating, or held down by the switch)")
        if both_passive:
            meaning.append("both ends are LACP passive: Linux still negotiates when a port comes up, but then "
                           "neither end keeps sending LACPDUs, so the partner information expires and the port "
                           "drops out of the aggregate and comes back: the bond flaps (Talos 1.12 betas defaulted "
                           "adLACPActive to off: siderolabs/talos#12315)")
        effect = ("the port carries no traffic in the aggregate" if bad else
                  "it carries traffic now, until the partner information expires")
        yield ctx.problem(
            f"{member.name}: LACP port state {describe_state('actor', actor)}, "
            f"{describe_state('partner', partner)}: {'; '.join(meaning)}; {effect}",
            ("`adLACPActive: on` in the bond's config (the default), or LACP mode active on the switch port "
             f"facing {member.name}" if both_passive else
             f"the switch port facing {member.name}: LACP enabled (mode active), in the port-channel with the "
             "other member(s), same LACP rate"), member.name,
        )
