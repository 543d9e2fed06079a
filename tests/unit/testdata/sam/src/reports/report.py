def lambda_handler(event, context):
    return {"rows": 0}
