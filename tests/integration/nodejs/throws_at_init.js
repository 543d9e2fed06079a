require('./definitely-missing-module');
exports.handler = async () => 'never';
