def main(event, context):
    return {}
