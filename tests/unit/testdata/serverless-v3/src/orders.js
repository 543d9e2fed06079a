module.exports.get = async (event) => ({ statusCode: 200 }); module.exports.webhook = async () => ({});
