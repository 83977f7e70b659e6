// The baseline of the benchmark: the cheapest possible node:http JSON endpoint on this machine, so the service's
// figures can be read as a ratio of what Node itself manages here under the same load generator.
import { createServer } from 'node:http';

const answer = JSON.stringify({ label: 'ham', spamProbability: 0.01, modelVersion: 'baseline' });
const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    JSON.parse(Buffer.concat(chunks).toString('utf8'));
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(answer);
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
