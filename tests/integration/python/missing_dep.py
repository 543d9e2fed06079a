import definitely_missing_module  # noqa: F401


def handler(event, context):
    return "never"
