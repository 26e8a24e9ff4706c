// The offline explorer's page script (served as is, no build step): GraphiQL with a fetcher that sends
// the credentials typed into the form. They live in this closure only: never in storage, the URL or
// GraphiQL's headers editor, and a reload forgets them. GraphiQL itself keeps its tabs and history in
// memory too, since an operation's arguments can carry codes and tokens.
(function () {
  'use strict';
  var endpoint = window.location.pathname;
  var form = document.getElementById('credentials');
  var status = form.elements.namedItem('status');
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  /** The headers the credentials give: {} (anonymous) until the form is used. */
  var credentials = {};

  /** RFC 7617 §2: base64 of the UTF-8 bytes of `user-id:password`. */
  function basic(id, secret) {
    var bytes = new TextEncoder().encode(id + ':' + secret);
    var binary = '';
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return 'Basic ' + btoa(binary);
  }

  /** A Storage that forgets everything on reload. */
  function memoryStorage() {
    var items = new Map();
    return {
      getItem: function (key) { return items.has(key) ? items.get(key) : null; },
      setItem: function (key, value) { items.set(key, String(value)); },
      removeItem: function (key) { items.delete(key); },
      clear: function () { items.clear(); },
      key: function (index) { return Array.from(items.keys())[index] ?? null; },
      get length() { return items.size; },
    };
  }
  var storage = memoryStorage();

  /** POSTs one operation as JSON with the credentials; headers typed into GraphiQL's editor come last. */
  function fetcher(params, options) {
    var headers = Object.assign({ 'content-type': 'application/json', accept: 'application/json' }, credentials, (options && options.headers) || {});
    return fetch(endpoint, { method: 'POST', headers: headers, body: JSON.stringify(params), credentials: 'omit', cache: 'no-store' }).then(function (response) {
      return response.text().then(function (text) {
        try {
          return JSON.parse(text);
        } catch {
          // Not JSON (e.g. a proxy's error page): shown as the error it is.
          return { errors: [{ message: 'HTTP ' + response.status + ': ' + text }] };
        }
      });
    });
  }

  /** (Re)renders GraphiQL with a new fetcher, so it fetches the schema again with the new caller. */
  function render() {
    var current = function (params, options) { return fetcher(params, options); };
    root.render(
      React.createElement(GraphiQL, {
        fetcher: current,
        storage: storage,
        shouldPersistHeaders: false,
        defaultEditorToolsVisibility: false,
        defaultQuery: '# Project id and secret above, then Use; run with Ctrl-Enter.\nquery {\n  __typename\n}\n',
      }),
    );
  }

  function showMode() {
    var session = form.elements.namedItem('mode').value === 'session';
    form.querySelector('.mode-secret').hidden = session;
    form.querySelector('.mode-session').hidden = !session;
  }

  function value(name) {
    return form.elements.namedItem(name).value.trim();
  }

  form.elements.namedItem('mode').addEventListener('change', showMode);
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (value('mode') === 'session') {
      if (!value('publicToken') || !value('session')) return void (status.value = 'Type the public token and a session token or JWT.');
      credentials = { 'x-public-token': value('publicToken'), authorization: 'Bearer ' + value('session') };
      status.value = 'Calling as a session of ' + value('publicToken') + ' (the project must allow this page\'s origin).';
    } else {
      if (!value('projectId') || !form.elements.namedItem('secret').value) return void (status.value = 'Type the project id and its secret.');
      credentials = { authorization: basic(value('projectId'), form.elements.namedItem('secret').value) };
      status.value = 'Calling as project ' + value('projectId') + '.';
    }
    render();
  });
  form.elements.namedItem('forget').addEventListener('click', function () {
    credentials = {};
    form.reset();
    showMode();
    status.value = 'No credentials: operations run anonymously.';
    render();
  });
  render();
})();
