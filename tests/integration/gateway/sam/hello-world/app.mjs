/**
 * The handler `sam init` generates for its Hello World Example.
 */
export const lambdaHandler = async (event, context) => {
    const response = {
      statusCode: 200,
      body: JSON.stringify({
        message: 'hello world',
      })
    };

    return response;
};

// An HTTP API handler using the 2.0 format's shortcut: the object is the JSON body.
export const greet = async (event) => ({ greeting: `hello ${event.pathParameters?.name ?? 'you'}` });
