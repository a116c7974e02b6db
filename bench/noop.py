"""The baseline job of bench_resolve: nothing to import, nothing to do."""


def noop(shipment_ids):
    """Take the same arguments as resolve_batch and do nothing."""
    return {"resolved": 0}
