// A CDK app as Momento's Lambda examples write it: NodejsFunction (esbuild), ES module and
// CommonJS, a secret with a generated name and value, secret.grantRead(fn).
const path = require('path');
const cdk = require('aws-cdk-lib');
const lambda = require('aws-cdk-lib/aws-lambda');
const nodejs = require('aws-cdk-lib/aws-lambda-nodejs');
const secretsmanager = require('aws-cdk-lib/aws-secretsmanager');

class NodejsFunctionStack extends cdk.Stack {
  constructor(scope, id, props) {
    super(scope, id, props);
    const secret = new secretsmanager.Secret(this, 'MomentoApiKey');
    const common = {
      runtime: lambda.Runtime.NODEJS_20_X,
      timeout: cdk.Duration.seconds(10),
      environment: { SECRET_ARN: secret.secretArn },
    };
    const esm = new nodejs.NodejsFunction(this, 'EsmReader', {
      ...common,
      entry: path.join(__dirname, 'lambda', 'reader.mjs'),
      bundling: { format: nodejs.OutputFormat.ESM },
    });
    const cjs = new nodejs.NodejsFunction(this, 'CjsReader', {
      ...common,
      runtime: lambda.Runtime.NODEJS_22_X,
      entry: path.join(__dirname, 'lambda', 'reader.js'),
    });
    secret.grantRead(esm);
    secret.grantRead(cjs);
  }
}

const app = new cdk.App();
new NodejsFunctionStack(app, 'NodejsFunctionStack');

