const cdk = require('aws-cdk-lib');
const lambda = require('aws-cdk-lib/aws-lambda');
const secretsmanager = require('aws-cdk-lib/aws-secretsmanager');
const path = require('path');

class SimpleGetStack extends cdk.Stack {
  constructor(scope, id, props) {
    super(scope, id, props);
    const secret = new secretsmanager.Secret(this, 'MomentoApiKey', {
      secretName: 'momento/simple-get/api-key',
    });
    const fn = new lambda.Function(this, 'SimpleGet', {
      runtime: lambda.Runtime.NODEJS_18_X,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(path.join(__dirname, 'lambda')),
      timeout: cdk.Duration.seconds(10),
      memorySize: 256,
      environment: {
        MOMENTO_API_KEY_SECRET_NAME: secret.secretName,
        CACHE_NAME: 'simple-get',
      },
    });
    secret.grantRead(fn);
  }
}

const app = new cdk.App();
new SimpleGetStack(app, 'SimpleGetStack');
if (process.env.SECOND_STACK) new SimpleGetStack(app, 'SimpleGetStagingStack');
