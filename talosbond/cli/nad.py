"""`talosbond nad`: Multus NetworkAttachmentDefinitions for the VLANs of a patch or machine config."""

from __future__ import annotations

from typing import Annotated

import typer

from talosbond.cli.common import app, command, emit, read_file


@app.command()
@command()
def nad(
    file: Annotated[str, typer.Argument(metavar="FILE", help="A talosbond patch or a machine config.")],
    vlan: Annotated[list[int] | None, typer.Option(metavar="ID", help="Only this VLAN; repeatable (default: all).")]
    = None,
    cni_type: Annotated[str, typer.Option("--type", metavar="TYPE", help="macvlan, ipvlan or host-device.")]
    = "macvlan",
    ipam: Annotated[str, typer.Option(metavar="IPAM", help="whereabouts, static, dhcp or host-local.")]
    = "whereabouts",
    cidr: Annotated[str | None, typer.Option(
        "--range", metavar="CIDR", help="Pod addresses (default: the VLAN's network, the host excluded).")] = None,
    namespace: Annotated[str | None, typer.Option(metavar="NS", help="metadata.namespace.")] = None,
    name: Annotated[str | None, typer.Option(metavar="NAME", help="metadata.name (default vlan<ID>).")] = None,
    mtu: Annotated[int | None, typer.Option(metavar="BYTES", help="Pod MTU; at most the VLAN's.")] = None,
    talos_version: Annotated[str | None, typer.Option(
        metavar="X.Y", help="Target Talos: before 1.6 long VLAN names were not shortened (default: newest).")] = None,
    out: Annotated[str | None, typer.Option(
        "-o", "--output", metavar="FILE", help="Write the definitions to FILE (atomically).")] = None,
) -> int:
    """Multus NetworkAttachmentDefinitions for the VLANs of a patch or config, `master` named as Talos
    names the VLAN link.

    \b
    Examples:
      talosbond nad bond.yaml --vlan 87 --namespace media > vlan87-nad.yaml
      talosbond nad bond.yaml --type ipvlan --range 10.13.87.128/25
    """
    from talosbond.config import read_config
    from talosbond.features import release_or_newest
    from talosbond.nad import NadOptions, nad_documents, vlan_links
    from talosbond.output import print_notes, print_warnings
    from talosbond.plan import parse_version
    from talosbond.yamlout import dump_yaml

    view = read_config(read_file(file), file)
    links, notes = vlan_links(view, release_or_newest(parse_version(talos_version) if talos_version else None))
    options = NadOptions(tuple(vlan or ()), cni_type, ipam, cidr, namespace, name, mtu)
    documents, more, warnings = nad_documents(links, options, file)
    print_notes([*notes, *more])
    print_warnings(warnings)
    emit(dump_yaml(documents), out)
    return 0
