// DEVELOPMENT STAND-IN for Genesys Messenger's script. It is not Genesys code and is served
// only by the local stack (`/dev/genesys-stand-in.js`), so the demo page and the browser tests
// can drive the lifecycle a page must survive without Genesys Cloud. It speaks the Web Messaging
// Guest API, the WebSocket protocol real Messenger speaks, to the Genesys sandbox the local
// stack serves at its root (`ws://…/v1`, see docs/src/reference/genesys-sandbox.md).
//
// Like the real script it takes over the `Genesys` command queue that Messenger's snippet
// created, keeps its own session in the browser and speaks Messenger's names:
//   Genesys("subscribe", "Database.ready", callback)            callback({event, data})
//   Genesys("command", "Database.set", {messaging: {customAttributes}}, resolve, reject)
//   Genesys("command", "Database.get", {name: "messaging.customAttributes"}, resolve, reject)
//   Genesys("command", "Messenger.open" | "Messenger.close")
//   Genesys("command", "MessagingService.sendMessage", {message})
//   Genesys("command", "MessagingService.startConversation")
//   Genesys("command", "MessagingService.clearConversation")
// and publishes Database.ready/updated, Messenger.ready/opened/closed,
// Conversations.ready/started, MessagingService.ready/started/messagesReceived/
// conversationDisconnected/conversationCleared/restored/error.
//
// Behaviour, from Genesys's Messenger SDK docs and its transport SDK
// (MyPureCloud/genesys-messenger-transport-mobile-sdk, transport/src/commonMain/kotlin/com/
// genesys/cloud/messenger/transport/: core/MessagingClientImpl.kt,
// core/CustomAttributesStoreImpl.kt, shyrka/send/*.kt, util/Urls.kt):
// - the deployment's configuration comes from `/webdeployments/v1/deployments/{id}/config.json`;
// - a command sent before its plugin is ready waits for it; subscribing to a `*.ready` event
//   that was already published calls the subscriber again;
// - the session token (a UUID) is Messenger's own, kept in localStorage with whether the window
//   was open, nothing else; it travels only inside WebSocket frames, never in a URL;
// - Database.set merges shallowly and refuses values that are not strings. The attributes are
//   held in memory and sent with the next message only while pending (changed since last sent);
//   the inbound echo marks them sent; an error marks them pending again; a closed session leaves
//   them pending (CustomAttributesStoreImpl). Over the session's maxCustomDataBytes (UTF-8 bytes
//   of keys plus values) Database.set is refused with error 4013 and leaves them unchanged;
//   before the session says its budget, nothing is refused, and attributes found over it when
//   the SessionResponse arrives are dropped with that error (the SDK's `maxCustomDataBytes`
//   setter);
// - the autostart `Presence` `Join` is sent once, right after a SessionResponse with
//   `newSession: true` when the deployment has autostart on (`handleSessionResponse`), with the
//   attributes pending then;
// - the guest never learns a conversation id: nothing published here carries one.
// Where the sources are silent the stand-in chose, and says so here:
// - like Messenger for the web, it configures a new session when it first needs one (the first
//   Messenger.open, sendMessage, startConversation), and at load only to resume a session its
//   record names; so a page that calls Database.set before opening Messenger has the attributes
//   on the autostart Join;
// - a conversation is running from the first inbound echo until a `Disconnect` or a clear;
//   Conversations.started and MessagingService.started fire on that first echo, and
//   MessagingService.messagesReceived carries every text and the autostart Join's echo (a page
//   can look its conversation up by that message's id through the sandbox's routes);
// - after a reload it asks the guest's history (`getJwt`, then
//   GET /api/v2/webmessaging/messages) and publishes MessagingService.restored with it, before
//   the ready events, when the latest conversation still runs;
// - a read-only session (the `ReadOnly` disconnect type) is left for a new one with
//   closeSession and configureSession `startNew` (MessagingClientConversationDisconnectTest)
//   when the customer writes again;
// - MessagingService.error carries `{errorCode, message}` for a refused Database.set and for
//   the server's errors that no command awaits.
(function () {
  'use strict';

  var previous = window.Genesys;
  var queued = (previous && previous.q) || [];
  var config = (previous && previous.c) || {};
  var deploymentId = config.deploymentId;
  // `environment: 'development'`: the page's own origin serves the Guest API (the local stack).
  var wsBase = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host;
  var storageKey = '_genesys.messenger.stand-in:' + deploymentId;

  var listeners = {};
  var readyPublished = {};
  var ready = { Database: false, Messenger: false, Conversations: false, MessagingService: false };
  var waiting = [];

  var attributes = {};
  var pending = false;
  var version = 0;
  var maxCustomDataBytes = -1; // unset until a SessionResponse says it
  var deployment = { autostart: false };
  var token = null;
  var socket = null;
  var session = null; // a promise of the configured session, while the connection holds one
  var running = false;
  var readOnly = false;
  var opened = false;
  var panel = null;
  var requests = {};
  var clearing = null;

  // ----- publish / subscribe -----

  function publish(name, data) {
    if (/\.ready$/.test(name)) readyPublished[name] = data;
    (listeners[name] || []).slice().forEach(function (callback) {
      deliver(callback, name, data);
    });
  }

  function deliver(callback, name, data) {
    try {
      callback({ event: name, data: data });
    } catch (e) {
      console.error('stand-in subscriber of ' + name + ' failed', e);
    }
  }

  function subscribe(name, callback) {
    if (typeof callback !== 'function') return;
    (listeners[name] = listeners[name] || []).push(callback);
    if (Object.prototype.hasOwnProperty.call(readyPublished, name)) {
      var data = readyPublished[name];
      Promise.resolve().then(function () { deliver(callback, name, data); });
    }
  }

  // ----- the session record in browser storage (Messenger's, never the page's) -----

  function loadRecord() {
    try {
      var record = JSON.parse(localStorage.getItem(storageKey) || 'null');
      return record && typeof record.token === 'string' ? record : null;
    } catch (e) {
      return null;
    }
  }

  function saveRecord() {
    if (token) localStorage.setItem(storageKey, JSON.stringify({ token: token, open: opened }));
  }

  // ----- the Guest API -----

  function connect(startNew) {
    return new Promise(function (resolve, reject) {
      var ws = new WebSocket(wsBase + '/v1?deploymentId=' + encodeURIComponent(deploymentId) + '&application=genesys-stand-in');
      socket = ws;
      ws.onopen = function () {
        request({ action: 'configureSession', deploymentId: deploymentId, startNew: !!startNew }).then(configured, reject).then(resolve, reject);
      };
      ws.onmessage = function (event) { onFrame(JSON.parse(event.data)); };
      ws.onclose = function () {
        if (socket !== ws) return;
        socket = null;
        session = null;
        Object.keys(requests).forEach(function (id) { requests[id].reject(new Error('the connection closed')); });
        requests = {};
        reject(new Error('the connection closed'));
      };
    });
  }

  function configured(frame) {
    var body = frame.body;
    readOnly = body.readOnly;
    setBudget(body.maxCustomDataBytes);
    saveRecord();
    if (body.newSession && !body.readOnly && deployment.autostart) {
      send({ type: 'Event', events: [{ eventType: 'Presence', presence: { type: 'Join' } }] }).catch(function () {});
    }
    return body;
  }

  function ensureSession() {
    if (!session) {
      token = token || crypto.randomUUID();
      session = connect(false);
      session.catch(function () { session = null; });
    }
    return session;
  }

  function request(frame) {
    var id = crypto.randomUUID();
    frame.token = token;
    frame.tracingId = id;
    return new Promise(function (resolve, reject) {
      if (!socket || socket.readyState !== WebSocket.OPEN) return reject(new Error('Messenger is not connected'));
      requests[id] = { resolve: resolve, reject: reject };
      socket.send(JSON.stringify(frame));
    });
  }

  function fail(frame) {
    var body = frame.body || {};
    var error = new Error(typeof body === 'string' ? body : body.errorMessage || 'the Guest API answered ' + frame.code);
    error.code = typeof body === 'string' ? frame.code : body.errorCode || frame.code;
    return error;
  }

  function onFrame(frame) {
    var waiter = frame.tracingId && requests[frame.tracingId];
    if (waiter) delete requests[frame.tracingId];
    if (frame.code !== 200) {
      var error = fail(frame);
      if (error.code === 4013) attributes = {};
      if (waiter) waiter.reject(error);
      else if (clearing && frame.code === 403) clearing.reject(error);
      else publish('MessagingService.error', { errorCode: error.code, message: error.message });
      return;
    }
    if (frame.class === 'StructuredMessage' && frame.type === 'message') onMessage(frame.body);
    else if (frame.class === 'SessionClearedEvent') cleared();
    else if (frame.class === 'SessionExpiredEvent') expired();
    if (waiter) waiter.resolve(frame);
  }

  // What travels beside a message: the attributes, only while pending.
  function send(message) {
    var sentVersion = version;
    var withAttributes = pending;
    if (pending) message.channel = { metadata: { customAttributes: Object.assign({}, attributes) } };
    return request({ action: 'onMessage', message: message }).then(function (frame) {
      if (withAttributes && version === sentVersion) pending = false;
      return frame.body;
    }, function (error) {
      if (withAttributes && error.code !== 4013) pending = true;
      throw error;
    });
  }

  function onMessage(message) {
    var presence = message.type === 'Event' && message.events && message.events[0] && message.events[0].presence;
    if (message.direction === 'Inbound') {
      if (!running) {
        running = true;
        status('The conversation started.');
        publish('Conversations.started', {});
        publish('MessagingService.started', {});
      }
    } else if (presence && presence.type === 'Disconnect') {
      return disconnected(message.metadata && message.metadata.readOnly === 'true');
    }
    if (message.type === 'Text' || (presence && presence.type === 'Join')) {
      showMessage(message);
      publish('MessagingService.messagesReceived', { messages: [message] });
    }
  }

  function disconnected(nowReadOnly) {
    readOnly = readOnly || nowReadOnly;
    if (!running) return;
    running = false;
    status('The agent ended the conversation. Your next message starts a new one.');
    publish('MessagingService.conversationDisconnected', {});
  }

  function cleared() {
    // The session ends with the conversation (the server closes this connection next): the
    // next one is configured afresh, and the held attributes travel again (the SDK's
    // onSessionClosed leaves them pending).
    socket = null;
    session = null;
    running = false;
    readOnly = false;
    pending = Object.keys(attributes).length > 0;
    localStorage.removeItem(storageKey);
    status('Conversation cleared. Your next message starts a new one.');
    publish('MessagingService.conversationCleared', {});
    if (clearing) clearing.resolve();
  }

  function expired() {
    var old = socket;
    socket = null;
    session = null;
    if (old) old.close();
    running = false;
    pending = Object.keys(attributes).length > 0;
    localStorage.removeItem(storageKey);
    publish('MessagingService.error', { errorCode: 4006, message: 'the session expired' });
  }

  function setBudget(bytes) {
    maxCustomDataBytes = typeof bytes === 'number' ? bytes : -1;
    var bytes = byteLength(attributes);
    if (maxCustomDataBytes >= 0 && bytes > maxCustomDataBytes) {
      attributes = {};
      pending = false;
      refused(bytes);
    }
  }

  // A read-only session: close it everywhere, then configure a new one (same token).
  function leaveReadOnly() {
    return request({ action: 'closeSession', closeAllConnections: true }).then(function () {
      return request({ action: 'configureSession', deploymentId: deploymentId, startNew: true });
    }).then(configured);
  }

  function writable() {
    return ensureSession().then(function () { return readOnly ? leaveReadOnly() : undefined; });
  }

  function byteLength(map) {
    var encoder = new TextEncoder();
    return Object.keys(map).reduce(function (n, k) {
      return n + encoder.encode(k).length + encoder.encode(map[k]).length;
    }, 0);
  }

  function isStringMap(value) {
    return value !== null && typeof value === 'object' && !Array.isArray(value) &&
      Object.keys(value).every(function (k) { return typeof value[k] === 'string'; });
  }

  function refused(bytes) {
    var message = 'custom attributes of ' + bytes + ' bytes exceed maxCustomDataBytes (' + maxCustomDataBytes + ')';
    publish('MessagingService.error', { errorCode: 4013, message: message });
    return new Error(message);
  }

  // After a reload: the latest conversation's messages (newest first), if it still runs.
  function restore() {
    return request({ action: 'getJwt' }).then(function (frame) {
      return fetch('/api/v2/webmessaging/messages?pageSize=25', {
        headers: { authorization: 'Bearer ' + frame.body.jwt },
        cache: 'no-store',
      });
    }).then(function (response) {
      if (!response.ok) throw new Error('no history: ' + response.status);
      return response.json();
    }).then(function (history) {
      var messages = history.entities;
      var latest = messages[0];
      var ended = latest && latest.type === 'Event' && latest.events[0].presence.type === 'Disconnect';
      if (!messages.length || ended || readOnly) return;
      running = true;
      status('Conversation restored after the reload.');
      messages.slice().reverse().forEach(showMessage);
      publish('MessagingService.restored', { messages: messages });
    });
  }

  // ----- the window (a small panel with a message box) -----

  function ensurePanel() {
    if (panel) return panel;
    panel = document.createElement('aside');
    panel.className = 'dev-messenger';
    panel.hidden = true;
    panel.setAttribute('aria-label', 'Messenger (development stand-in)');
    panel.innerHTML =
      '<header><strong>Messenger <small>development stand-in</small></strong>' +
      '<button type="button" class="close" aria-label="Close Messenger">×</button></header>' +
      '<p class="status" aria-live="polite">No conversation yet: it starts with your first message.</p>' +
      '<ol class="messages"></ol>' +
      '<form class="compose"><input name="message" autocomplete="off" placeholder="Type a message" aria-label="Message">' +
      '<button type="submit">Send</button></form>' +
      '<button type="button" class="clear">End conversation</button>';
    panel.querySelector('.close').addEventListener('click', function () { close(); });
    panel.querySelector('.clear').addEventListener('click', function () {
      command('MessagingService.clearConversation', {});
    });
    panel.querySelector('form').addEventListener('submit', function (event) {
      event.preventDefault();
      var input = panel.querySelector('input');
      var text = input.value.trim();
      if (!text) return;
      input.value = '';
      command('MessagingService.sendMessage', { message: text });
    });
    document.body.append(panel);
    return panel;
  }

  function status(text) {
    ensurePanel().querySelector('.status').textContent = text;
  }

  function showMessage(message) {
    if (message.type !== 'Text') return;
    var item = document.createElement('li');
    item.className = message.direction === 'Inbound' ? 'inbound' : 'outbound';
    item.textContent = message.text;
    ensurePanel().querySelector('.messages').append(item);
  }

  // Opening configures a new session the first time (see the header): the autostart Join, if
  // any, leaves then, with the attributes Database.set gave before.
  function open() {
    if (opened) return Promise.reject(new Error('Messenger is already open'));
    opened = true;
    ensurePanel().hidden = false;
    publish('Messenger.opened', {});
    return ensureSession().then(function () { saveRecord(); });
  }

  function close() {
    if (!opened) return Promise.reject(new Error('Messenger is already closed'));
    opened = false;
    saveRecord();
    ensurePanel().hidden = true;
    publish('Messenger.closed', {});
    return Promise.resolve();
  }

  // ----- commands -----

  var commands = {
    'Database.set': function (options) {
      var update = options && options.messaging && options.messaging.customAttributes;
      if (!isStringMap(update)) {
        return Promise.reject(new Error('messaging.customAttributes must be a flat map of strings'));
      }
      var merged = Object.assign({}, attributes, update);
      var bytes = byteLength(merged);
      if (maxCustomDataBytes >= 0 && bytes > maxCustomDataBytes) return Promise.reject(refused(bytes));
      var changed = Object.keys(update).some(function (k) { return attributes[k] !== update[k]; });
      attributes = merged;
      if (changed) {
        pending = true;
        version += 1;
      }
      var database = { messaging: { customAttributes: Object.assign({}, attributes) } };
      publish('Database.updated', database);
      return Promise.resolve(database);
    },
    'Database.get': function (options) {
      var database = { messaging: { customAttributes: Object.assign({}, attributes) } };
      var name = options && options.name;
      if (!name) return Promise.resolve(database);
      var value = name.split('.').reduce(function (v, k) { return v && v[k]; }, database);
      return Promise.resolve(value);
    },
    'Messenger.open': open,
    'Messenger.close': close,
    'MessagingService.sendMessage': function (options) {
      var text = options && options.message;
      if (typeof text !== 'string' || !text.trim()) {
        return Promise.reject(new Error('sendMessage needs {message: "non-empty text"}'));
      }
      return writable().then(function () { return send({ type: 'Text', text: text }); });
    },
    // A `Presence` `Join`, as the Java SDK's sendPresenceEventJoin: the server honours it only
    // when the deployment has autostart on.
    'MessagingService.startConversation': function () {
      return writable().then(function () {
        if (running) return null;
        return send({ type: 'Event', events: [{ eventType: 'Presence', presence: { type: 'Join' } }] });
      });
    },
    'MessagingService.clearConversation': function () {
      if (!session) return Promise.reject(new Error('there is no conversation to clear'));
      return session.then(function () {
        return new Promise(function (resolve, reject) {
          clearing = { resolve: resolve, reject: reject };
          socket.send(JSON.stringify({
            action: 'onMessage',
            token: token,
            message: { type: 'Event', events: [{ eventType: 'Presence', presence: { type: 'Clear' } }] },
          }));
        });
      }).finally(function () { clearing = null; });
    },
  };

  function command(name, options, resolve, reject) {
    var plugin = name.split('.')[0];
    var run = commands[name];
    var fail = function (error) {
      if (typeof reject === 'function') reject(error);
      else console.warn('stand-in: ' + name + ' failed: ' + error.message);
    };
    if (!run) return fail(new Error('the stand-in does not know the command ' + name));
    var go = function () {
      var result;
      try {
        result = run(options);
      } catch (e) {
        result = Promise.reject(e);
      }
      result.then(function (value) {
        if (typeof resolve === 'function') resolve(value);
      }, fail);
    };
    if (ready[plugin]) go();
    else waiting.push({ plugin: plugin, go: go });
  }

  function setReady(plugin) {
    ready[plugin] = true;
    var now = waiting.filter(function (w) { return w.plugin === plugin; });
    waiting = waiting.filter(function (w) { return w.plugin !== plugin; });
    now.forEach(function (w) { w.go(); });
    publish(plugin + '.ready', {});
  }

  function Genesys(kind, name, options, resolve, reject) {
    if (kind === 'subscribe') return subscribe(name, options);
    if (kind === 'command') return command(name, options, resolve, reject);
    if (typeof reject === 'function') reject(new Error('the stand-in does not know ' + kind));
  }

  Genesys.c = config;
  window.Genesys = Genesys;
  queued.forEach(function (args) { Genesys.apply(null, Array.prototype.slice.call(args)); });

  // ----- start-up: the deployment's configuration, a stored session resumed, then the plugins -----

  var record = loadRecord();
  fetch('/webdeployments/v1/deployments/' + encodeURIComponent(deploymentId) + '/config.json', { cache: 'no-store' })
    .then(function (response) {
      if (!response.ok) throw new Error('no deployment configuration: ' + response.status);
      return response.json();
    })
    .then(function (configuration) {
      deployment.autostart = !!configuration.messenger.apps.conversations.autoStart.enabled;
      if (!record) return;
      token = record.token;
      return ensureSession().then(restore).catch(function (error) {
        console.warn('stand-in: the stored session could not be resumed', error);
      });
    })
    .then(function () {
      setReady('Database');
      setReady('Conversations');
      setReady('MessagingService');
      setReady('Messenger');
      if (record && record.open) open().catch(function () {});
    })
    .catch(function (error) {
      console.error('stand-in: Messenger could not start', error);
    });
})();
