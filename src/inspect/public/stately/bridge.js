// Relays inspection events from the local server (server-sent events) to the embedded Stately inspector
// (postMessage), like @statelyai/inspect/server's bridge page: events wait until the inspector says
// it is ready with `@statelyai.connected`.

const origin = 'https://stately.ai';
const iframe = document.getElementById('inspector');
const status = document.getElementById('status');
const waiting = [];
let ready = false;
let relayed = 0;

function post(event) {
  iframe.contentWindow.postMessage(event, origin);
  relayed += 1;
  status.textContent = `Connected to the Stately inspector: ${relayed} inspection events relayed.`;
}

window.addEventListener('message', (message) => {
  if (message.origin !== origin || !message.data || message.data.type !== '@statelyai.connected') return;
  ready = true;
  for (const event of waiting.splice(0)) post(event);
});

const source = new EventSource('/events');
source.addEventListener('inspection', (message) => {
  const event = JSON.parse(message.data);
  if (ready) post(event);
  else waiting.push(event);
});
source.addEventListener('error', () => {
  status.textContent = 'Lost the local event stream; reconnecting…';
});
