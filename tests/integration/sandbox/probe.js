// Reports what a Node.js handler sees from inside its sandbox.
const fs = require('fs');
const net = require('net');

exports.handler = async () => {
  const egress = await new Promise((resolve) => {
    const socket = net.connect({host: '1.1.1.1', port: 443});
    socket.on('connect', () => { socket.destroy(); resolve('open'); });
    socket.on('error', (e) => resolve(e.code));
  });
  return {
    runtime_api: process.env.AWS_LAMBDA_RUNTIME_API,
    pids: fs.readdirSync('/proc').filter((p) => /^[0-9]+$/.test(p)).map(Number),
    thaw_vars: Object.keys(process.env).filter((k) => /^(THAW_|AWS_ENDPOINT_URL)/.test(k)).length,
    egress,
  };
};
