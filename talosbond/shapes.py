"""Hardware shapes: a fleet's nodes grouped by the physical cards they have, so that a person reads one
table per kind of machine instead of one row per card of every node.

A shape is the set of physical cards a node has, each named by where it sits and what it is: link name, bus
path, PCI ID and driver (MACs differ on every node and are left out). What a card shows on one particular
node - carrier, negotiated speed, firmware, which card is the busiest - belongs to the cabling and the
moment, so the shape holds the value most of its nodes show, and the nodes that show something else are
listed as differing from their shape. A node with one card more, one card less or one card on another
driver than a larger shape is folded into it as differing, when it is one of few such nodes: that is a
broken or half-installed machine, not a kind of machine of its own.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from talosbond.errors import TalosbondError, UsageError
from talosbond.model import Link, TalosVersion, speed_text
from talosbond.ranking import Ranking

_UNKNOWN = "an unknown speed"

# A smaller group one card away from a larger shape is folded into it when it has at most this many nodes
# and the larger shape at least FOLD_MIN_SHAPE (two odd nodes beside three are two kinds of machine).
FOLD_MAX_NODES = 2
FOLD_MIN_SHAPE = 5

CardKey = tuple[str, str, str, str]  # (name, bus path, PCI ID, driver)


@dataclass(frozen=True)
class ShapeCard:
    """One card of a shape, with what most of the shape's nodes show for it."""

    name: str
    bus_path: str
    pci_id: str
    driver: str
    vendor: str
    product: str
    speed_mbit: int | None
    carrier: bool
    firmware: str


@dataclass(frozen=True)
class Deviation:
    """A node of a shape and each way it differs from the shape (in words, one item per difference)."""

    node: str
    differences: tuple[str, ...]


@dataclass(frozen=True)
class Shape:
    """One kind of machine in the fleet: its cards, its nodes (in the order discovered) and the odd ones."""

    number: int
    cards: tuple[ShapeCard, ...]
    nodes: tuple[str, ...]
    busiest: str  # the card most nodes of the shape use most ("" without traffic data)
    version: TalosVersion | None  # the release most nodes of the shape run
    deviations: tuple[Deviation, ...]
    bondable: tuple[tuple[str, ...], ...] = ()  # the groups of cards most nodes of the shape could bond

    @property
    def node_list(self) -> str:
        return compact_names(self.nodes)


def _card_key(link: Link) -> CardKey:
    return (link.name, link.bus_path, link.pci_id, link.driver)


def hardware_key(ranking: Ranking) -> frozenset[CardKey]:
    """What makes two nodes the same kind of machine: their physical cards, MACs and cabling aside."""
    return frozenset(_card_key(r.link) for r in ranking.physical)


def _majority(values: Iterable[object]) -> object:
    """The most common value; ties go to the one seen first (stable across runs)."""
    counts = Counter(values)
    return max(counts, key=lambda value: counts[value]) if counts else None


def _busiest(ranking: Ranking) -> str:
    """The card carrying most traffic, or "" when the node reported no traffic at all."""
    physical = ranking.physical
    if not physical or not any(r.traffic for r in physical):
        return ""
    return physical[0].link.name


def _one_card_apart(small: frozenset[CardKey], large: frozenset[CardKey]) -> bool:
    """One card missing, one extra, or one card on another driver (same name, bus path and PCI ID)."""
    missing, extra = large - small, small - large
    if len(missing) + len(extra) == 1:
        return True
    if len(missing) == 1 and len(extra) == 1:
        (m,), (e,) = missing, extra
        return m[:3] == e[:3]
    return False


def _fold(groups: dict[frozenset[CardKey], list[Ranking]]) -> dict[frozenset[CardKey], list[Ranking]]:
    """Fold each small group one card away from a larger shape into that shape (largest shape first)."""
    order = sorted(groups, key=lambda key: -len(groups[key]))
    folded: dict[frozenset[CardKey], list[Ranking]] = {}
    for key in order:
        members = groups[key]
        home = next((big for big in folded if len(members) <= FOLD_MAX_NODES and len(folded[big]) >= FOLD_MIN_SHAPE
                     and _one_card_apart(key, big)), None)
        if home is None:
            folded[key] = list(members)
        else:
            folded[home].extend(members)
    return folded


def _cards(key: frozenset[CardKey], members: Sequence[Ranking]) -> tuple[ShapeCard, ...]:
    cards = []
    for name, bus, pci, driver in sorted(key, key=lambda k: (k[1], k[0])):
        seen = [r.link for m in members for r in m.physical if _card_key(r.link) == (name, bus, pci, driver)]
        first = seen[0]
        speed = _majority(link.speed_mbit for link in seen)
        cards.append(ShapeCard(
            name=name, bus_path=bus, pci_id=pci, driver=driver, vendor=first.vendor, product=first.product,
            speed_mbit=speed if isinstance(speed, int) else None,
            carrier=bool(_majority(link.link_state for link in seen)),
            firmware=str(_majority(link.firmware_version for link in seen) or ""),
        ))
    return tuple(cards)


def _differences(ranking: Ranking, own: frozenset[CardKey], key: frozenset[CardKey], cards: Sequence[ShapeCard],
                 busiest: str, version: TalosVersion | None) -> tuple[str, ...]:
    out: list[str] = []
    for name, _, _, driver in sorted(key - own):
        replaced = next((k for k in own - key if k[0] == name), None)
        if replaced is not None:
            out.append(f"{name} runs driver {replaced[3] or '(none)'} instead of {driver or '(none)'}")
        else:
            out.append(f"no card {name}")
    for name, bus, _, _ in sorted(own - key):
        if not any(k[0] == name for k in key - own):
            out.append(f"an extra card {name}" + (f" at {bus}" if bus else ""))
    by_name = {r.link.name: r.link for r in ranking.physical}
    for card in cards:
        link = by_name.get(card.name)
        if link is None:
            continue
        if link.link_state != card.carrier:
            out.append(f"{card.name} {'has carrier' if link.link_state else 'has no carrier'}")
        if link.link_state and card.carrier and link.speed_mbit != card.speed_mbit:
            now, usual = speed_text(link.speed_mbit, _UNKNOWN), speed_text(card.speed_mbit, _UNKNOWN)
            out.append(f"{card.name} runs at {now}, not {usual}")
        if link.firmware_version != card.firmware and (link.firmware_version or card.firmware):
            out.append(f"{card.name} firmware {link.firmware_version or '(none)'}, not {card.firmware or '(none)'}")
    mine = _busiest(ranking)
    if busiest and mine and mine != busiest:
        out.append(f"busiest card is {mine}, not {busiest}")
    if version is not None and ranking.node.version is not None and ranking.node.version != version:
        out.append(f"runs Talos {ranking.node.version}, not {version}")
    return tuple(out)




def group_shapes(rankings: Sequence[Ranking]) -> tuple[Shape, ...]:
    """The fleet's shapes, largest first (ties: the one whose first node came first)."""
    keys = {ranking.node.name: hardware_key(ranking) for ranking in rankings}
    groups: dict[frozenset[CardKey], list[Ranking]] = {}
    for ranking in rankings:
        groups.setdefault(keys[ranking.node.name], []).append(ranking)
    folded = _fold(groups)
    position = {r.node.name: i for i, r in enumerate(rankings)}
    for members in folded.values():
        members.sort(key=lambda r: position[r.node.name])
    ordered = sorted(folded.items(), key=lambda item: (-len(item[1]), position[item[1][0].node.name]))
    shapes = []
    for number, (key, members) in enumerate(ordered, 1):
        typical = [m for m in members if keys[m.node.name] == key]
        cards = _cards(key, typical)
        busiest = str(_majority(b for b in map(_busiest, typical) if b) or "")
        usual = _majority(m.node.version for m in members if m.node.version is not None)
        version = usual if isinstance(usual, TalosVersion) else None
        bondable = _majority(m.groups for m in typical)
        deviations = []
        for member in members:
            differences = _differences(member, keys[member.node.name], key, cards, busiest, version)
            if differences:
                deviations.append(Deviation(member.node.name, differences))
        shapes.append(Shape(number, cards, tuple(m.node.name for m in members), busiest, version,
                            tuple(deviations), bondable if isinstance(bondable, tuple) else ()))
    return tuple(shapes)


_TRAILING_NUMBER = re.compile(r"^(.*?)(\d+)$")


def _ip_runs(addresses: list[ipaddress.IPv4Address | ipaddress.IPv6Address]) -> list[str]:
    runs: list[str] = []
    start = prev = addresses[0]
    for addr in addresses[1:]:
        if addr.version == prev.version and int(addr) == int(prev) + 1:
            prev = addr
            continue
        runs.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = addr
    runs.append(str(start) if start == prev else f"{start}-{prev}")
    return runs


def _name_runs(names: list[str]) -> list[str]:
    """`w01, w02, w03, db1` -> `w01-w03, db1`: consecutive numbers of one prefix and width."""
    keyed: list[tuple[str, int, int, str]] = []
    plain: list[str] = []
    for name in names:
        match = _TRAILING_NUMBER.match(name)
        if match:
            keyed.append((match.group(1), len(match.group(2)), int(match.group(2)), name))
        else:
            plain.append(name)
    keyed.sort()
    runs: list[str] = []
    i = 0
    while i < len(keyed):
        j = i
        while (j + 1 < len(keyed) and keyed[j + 1][:2] == keyed[i][:2]
               and keyed[j + 1][2] == keyed[j][2] + 1):
            j += 1
        runs.append(keyed[i][3] if i == j else f"{keyed[i][3]}-{keyed[j][3]}")
        i = j + 1
    return runs + sorted(plain)


def compact_names(names: Iterable[str]) -> str:
    """Node names as a short list of ranges: `10.0.0.10-10.0.0.99, 10.0.1.5, w01-w03`."""
    addresses: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = []
    others: list[str] = []
    for name in dict.fromkeys(names):
        try:
            addresses.append(ipaddress.ip_address(name))
        except ValueError:
            others.append(name)
    addresses.sort(key=lambda a: (a.version, int(a)))
    runs = _ip_runs(addresses) if addresses else []
    if others:
        runs.extend(_name_runs(others))
    return ", ".join(runs)


def shapes_document(shapes: Sequence[Shape], selectors: dict[tuple[int, str], str] | None = None) -> list[dict[
        str, object]]:
    """`discover -o json`'s "shapes": each shape's cards, nodes and the nodes that differ from it."""
    return [
        {
            "shape": shape.number,
            "node_count": len(shape.nodes),
            "nodes": list(shape.nodes),
            "node_list": shape.node_list,
            "talos_version": str(shape.version) if shape.version is not None else None,
            "busiest": shape.busiest or None,
            "cards": [
                {
                    "name": card.name, "bus_path": card.bus_path, "pci_id": card.pci_id, "driver": card.driver,
                    "vendor": card.vendor, "product": card.product, "speed_mbit": card.speed_mbit,
                    "link_state": card.carrier, "firmware_version": card.firmware,
                    "selector": (selectors or {}).get((shape.number, card.name)),
                }
                for card in shape.cards
            ],
            "bondable_groups": [list(group) for group in shape.bondable],
            "deviations": [{"node": d.node, "differences": list(d.differences)} for d in shape.deviations],
        }
        for shape in shapes
    ]


def shape_selectors(shapes: Sequence[Shape], version: tuple[int, int] | None = None) -> dict[tuple[int, str], str]:
    """Per shape and card, a selector that picks that card on every node of the shape: by driver and bus
    path, which a shape shares (MACs differ per node). Written for the shape's Talos version (or `version`)."""
    from talosbond import features
    from talosbond.selectors import by_bus

    out: dict[tuple[int, str], str] = {}
    for shape in shapes:
        target = version or (shape.version.minor_tuple if shape.version is not None else None)
        release = features.release_or_newest(target)  # a shape that did not say is shown for the newest
        for card in shape.cards:
            if not card.driver or not card.bus_path:
                out[(shape.number, card.name)] = ""
            elif features.has(features.MULTIDOC_NETWORK, release):
                out[(shape.number, card.name)] = by_bus(_as_link(card))
            else:
                extra = ", physical: true" if features.has(features.PHYSICAL_SELECTOR, release) else ""
                out[(shape.number, card.name)] = f"driver: {card.driver}, busPath: {card.bus_path}{extra}"
    return out


def _as_link(card: ShapeCard) -> Link:
    return Link(name=card.name, type="ether", driver=card.driver, bus_path=card.bus_path, pci_id=card.pci_id)


def fleet_split(shapes: Sequence[Shape], proves: Callable[[tuple[str, ...]], bool]) -> tuple[tuple[int, ...], ...]:
    """Which shapes one patch can serve together: start from the largest shape and add each other shape
    whose nodes the same patch still holds for (`proves(node names)`); the rest form groups the same way.
    One group means one patch holds for the whole fleet."""
    left = list(shapes)
    groups: list[tuple[int, ...]] = []
    while left:
        group, nodes = [left[0].number], tuple(left[0].nodes)
        for shape in left[1:]:
            if proves(nodes + shape.nodes):
                group.append(shape.number)
                nodes += shape.nodes
        groups.append(tuple(group))
        left = [shape for shape in left if shape.number not in group]
    return tuple(groups)


def describe(shape: Shape) -> str:
    """`shape 2 (8 nodes: 10.0.1.10-10.0.1.17; ixgbe x2, igb)`: what a refusal or a note names a shape by."""
    drivers = Counter(card.driver or "no driver" for card in shape.cards)
    cards = ", ".join(f"{driver} x{count}" if count > 1 else driver for driver, count in drivers.items())
    return f"shape {shape.number} ({len(shape.nodes)} node(s): {shape.node_list}; {cards})"


def restrict(rankings: Sequence[Ranking], numbers: str | None) -> list[Ranking]:
    """`patch --shape N[,M]`: the nodes of those hardware shapes only."""
    if numbers is None:
        return list(rankings)
    shapes = {s.number: s for s in group_shapes(rankings)}
    wanted: set[str] = set()
    for text in (part.strip() for part in numbers.split(",")):
        if not text.isdigit() or int(text) not in shapes:
            raise UsageError(f"--shape {text}: the fleet has {len(shapes)} hardware shape(s)",
                             "talosbond discover shows them, numbered from 1")
        wanted.update(shapes[int(text)].nodes)
    return [r for r in rankings if r.node.name in wanted]


def refusal(rankings: Sequence[Ranking], build: Callable[[Sequence[Ranking]], object],
            exc: TalosbondError) -> TalosbondError:
    """When no one patch holds for a fleet: which shapes can share one and which need their own, or (one
    shape) which nodes are cabled unlike the others. `build` raises a `TalosbondError` when it cannot prove."""
    shapes = group_shapes(rankings)
    if len(shapes) == 1 and shapes[0].deviations:
        odd = shapes[0].deviations
        shown = "; ".join(f"{d.node}: {', '.join(d.differences)}" for d in odd[:3])
        more = f" and {len(odd) - 3} more" if len(odd) > 3 else ""
        return UsageError(exc.message, f"{len(odd)} node(s) differ from the others ({shown}{more}): cable them "
                                       "alike, or name the members with --ports")
    if len(shapes) < 2:
        return exc
    by_name = {r.node.name: r for r in rankings}

    def proves(names: tuple[str, ...]) -> bool:
        try:
            build([by_name[name] for name in names])
        except TalosbondError:
            return False
        return True

    groups = fleet_split(shapes, proves)
    listing = "; ".join(describe(s) for s in shapes)
    together = "; ".join(
        f"shapes {' + '.join(map(str, group))} can share one" if len(group) > 1 else f"shape {group[0]} needs its own"
        for group in groups)
    return UsageError(
        f"no one patch holds for the fleet's {len(shapes)} hardware shapes: {listing}. {together}",
        f"write one patch per group with --shape N (e.g. --shape {groups[0][0]}); first failure: {exc.message}",
    )
