"""Building small nodes in tests (the fixture captures carry the realistic ones)."""

from __future__ import annotations

from talosbond.config import read_config
from talosbond.model import Address, Link, Node
from talosbond.parsing.version import parse_tag


def nic(name: str, mac: str, driver: str = "e1000e", bus: str = "", pci: str = "8086:15E3", index: int = 2,
        up: bool = True, speed: int | None = 1000) -> Link:
    return Link(
        name=name, index=index, type="ether", flags="UP,BROADCAST,RUNNING,MULTICAST,LOWER_UP", hardware_addr=mac,
        permanent_addr=mac, broadcast_addr="ff:ff:ff:ff:ff:ff", mtu=1500, operational_state="up" if up else "down",
        bus_path=bus or f"0000:0{index}:00.0", pci_id=pci, driver=driver, link_state=up, speed_mbit=speed,
        port="TwistedPair", duplex="Full",
    )


def seed_node(version: str = "v1.11.3") -> Node:
    """The seed case: onboard I219-LM and an add-in e1000e sharing the 10:e7:c6:16: prefix, plus bond0 and lo."""
    return Node(
        name="10.13.17.19",
        version=parse_tag(version),
        links=(
            Link(name="bond0", index=5, type="ether", hardware_addr="5a:1b:2c:3d:4e:5f", kind="bond", driver="bonding"),
            nic("enp0s31f6", "10:e7:c6:16:2a:01", bus="0000:00:1f.6", index=2),
            nic("enp1s0", "10:e7:c6:16:8f:33", pci="8086:10D3", bus="0000:01:00.0", index=3),
            Link(name="lo", index=1, type="loopback", hardware_addr="00:00:00:00:00:00"),
        ),
        addresses=(Address(link="enp0s31f6", address="10.13.17.19/24"),),
    )


def mixed_node() -> Node:
    """A 1G onboard card, a 10G card and a 10G port without carrier, all on different drivers."""
    return Node(
        name="10.0.0.7",
        version=parse_tag("v1.11.3"),
        links=(
            nic("eno1", "b8:ca:3a:61:0e:10", driver="tg3", pci="14E4:165F", index=2, speed=1000),
            nic("enp1s0f0", "3c:fd:fe:9e:4a:10", driver="ixgbe", pci="8086:10FB", index=3, speed=10000),
            nic("enp1s0f1", "3c:fd:fe:9e:4a:11", driver="ixgbe", pci="8086:10FB", index=4, up=False, speed=None),
        ),
    )


def seed_with_config() -> Node:
    """The seed node whose current machine config already has bond0."""
    config = (
        "version: v1alpha1\nmachine:\n    type: worker\n    network:\n        interfaces:\n"
        "            - interface: bond0\n              bond:\n                  mode: active-backup\n"
        "                  deviceSelectors:\n                      - hardwareAddr: '10:e7:c6:16:*'\n"
        "                        driver: e1000e\n"
    )
    from dataclasses import replace

    return replace(seed_node(), config=read_config(config, "machineconfig.yaml"))
