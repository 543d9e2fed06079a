// A CDK app with the three HTTP front doors: a LambdaRestApi (proxy), an HttpApi route with a
// Lambda integration, and a function URL.
const cdk = require('aws-cdk-lib');
const lambda = require('aws-cdk-lib/aws-lambda');
const apigateway = require('aws-cdk-lib/aws-apigateway');
const apigwv2 = require('aws-cdk-lib/aws-apigatewayv2');
const { HttpLambdaIntegration } = require('aws-cdk-lib/aws-apigatewayv2-integrations');

const app = new cdk.App();
const stack = new cdk.Stack(app, 'ApiStack', { env: { region: 'us-east-1' } });

const rest = new lambda.Function(stack, 'RestHandler', {
  runtime: lambda.Runtime.NODEJS_20_X,
  handler: 'index.rest',
  code: lambda.Code.fromAsset('lambda'),
});
new apigateway.LambdaRestApi(stack, 'RestApi', { handler: rest });

const items = new lambda.Function(stack, 'ItemsHandler', {
  runtime: lambda.Runtime.NODEJS_20_X,
  handler: 'index.items',
  code: lambda.Code.fromAsset('lambda'),
});
const http = new apigwv2.HttpApi(stack, 'HttpApi');
http.addRoutes({
  path: '/items/{id}',
  methods: [apigwv2.HttpMethod.GET],
  integration: new HttpLambdaIntegration('ItemsIntegration', items),
});
items.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
