// DEVELOPMENT STAND-IN for Genesys Messenger's script. It is not Genesys code and is served
// only by the local stack (`/dev/genesys-stand-in.js`), so the demo page and the browser tests
// can drive the lifecycle a page must survive without Genesys Cloud. It talks to the Genesys
// sandbox's guest sessions (`/sandbox/_sandbox/messenger/...`, see
// dev/genesys-sandbox/src/messenger/routes.rs).
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
// Behaviour, from Genesys's Messenger SDK docs and its transport SDK (CustomAttributesStore,
// MessagingClientImpl):
// - a command sent before its plugin is ready waits for it; subscribing to a `*.ready` event
//   that was already published calls the subscriber again;
// - Database.set merges shallowly, refuses values that are not strings and refuses attributes
//   whose keys plus values exceed the session's maxCustomDataBytes (UTF-8 bytes), leaving them
//   unchanged;
// - Messenger.open and Messenger.close only show and hide the window. The conversation starts
//   with the customer's first message, carrying the attributes held at that moment, or on open
//   when the deployment has autostart on and the session has no conversation;
// - attributes travel with a message only when they changed since they were last sent;
// - the session survives a reload: its token lives in localStorage, as Messenger keeps its own.
//   That record holds the token and whether the window was open, nothing else: the attributes
//   (the session hash) stay in memory.
// Where the docs are silent the stand-in chose, and says so below: the `conversationId` it adds
// to Conversations.started, MessagingService.started, MessagingService.restored and the end
// events (real Messenger sends no data there; pages must not rely on it); the order on load
// (MessagingService.restored, when there is something to restore, before the ready events);
// MessagingService.error for a refused Database.set; after a conversation ends the held
// attributes are sent again with the next first message (the transport SDK marks them pending
// when a session closes).
(function () {
  'use strict';

  var previous = window.Genesys;
  var queued = (previous && previous.q) || [];
  var config = (previous && previous.c) || {};
  var deploymentId = config.deploymentId;
  var api = (config.sandboxUrl || '/sandbox') + '/_sandbox/messenger';
  var storageKey = '_genesys.messenger.stand-in:' + deploymentId;

  var listeners = {};
  var readyPublished = {};
  var ready = { Database: false, Messenger: false, Conversations: false, MessagingService: false };
  var waiting = [];

  var attributes = {};
  var pending = false;
  var version = 0;
  var maxCustomDataBytes = 0;
  var autostart = false;
  var conversation = null; // {id, state}
  var opened = false;
  var token = null;
  var panel = null;

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
    localStorage.setItem(storageKey, JSON.stringify({ token: token, open: opened }));
  }

  function newToken() {
    return crypto.randomUUID();
  }

  // ----- the sandbox -----

  function post(path, body) {
    return fetch(api + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      cache: 'no-store',
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (json) {
        if (!response.ok) {
          var error = new Error((json && json.message) || 'the sandbox answered ' + response.status);
          error.status = response.status;
          error.code = json && json.code;
          throw error;
        }
        return json;
      });
    });
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

  // What travels beside an inbound message: the attributes, only when they changed.
  function channel() {
    return pending ? { metadata: { customAttributes: Object.assign({}, attributes) } } : undefined;
  }

  function send(message) {
    var sentVersion = version;
    var withAttributes = pending;
    message.channel = channel();
    return post('/messages', { token: token, message: message }).then(function (reply) {
      if (withAttributes && version === sentVersion) pending = false;
      if (reply.newConversation) {
        conversation = { id: reply.conversationId, state: 'connected' };
        status('Conversation ' + short(conversation.id) + ' started.');
        publish('Conversations.started', { conversationId: conversation.id });
        publish('MessagingService.started', { conversationId: conversation.id });
      }
      showMessage(reply.message);
      publish('MessagingService.messagesReceived', { messages: [reply.message] });
      return reply;
    });
  }

  function ended(kind) {
    if (!conversation) return;
    var id = conversation.id;
    // The next first message carries the held attributes again (a new conversation needs them).
    pending = Object.keys(attributes).length > 0;
    if (kind === 'cleared') {
      conversation = null;
      status('Conversation ' + short(id) + ' cleared. Your next message starts a new one.');
      publish('MessagingService.conversationCleared', { conversationId: id });
    } else {
      if (conversation.state === 'disconnected') return;
      conversation.state = 'disconnected';
      status('Conversation ' + short(id) + ' ended by the agent. Your next message starts a new one.');
      publish('MessagingService.conversationDisconnected', { conversationId: id });
    }
  }

  // The server's pushes (agent messages, disconnects, clears from another tab), read from a
  // server-sent event stream over fetch (the session token stays out of the URL).
  function listen(retry) {
    fetch(api + '/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: token }),
      cache: 'no-store',
    }).then(function (response) {
      if (!response.ok || !response.body) throw new Error('event stream refused: ' + response.status);
      var reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      var buffer = '';
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) return;
          buffer += chunk.value;
          var end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            onEvent(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
          return pump();
        });
      }
      return pump();
    }).then(function () {
      if (retry) listen(false);
    }, function (error) {
      if (retry) listen(false);
      else console.warn('stand-in: the event stream closed', error);
    });
  }

  function onEvent(block) {
    var name = '';
    var data = '';
    block.split('\n').forEach(function (line) {
      if (line.indexOf('event:') === 0) name = line.slice(6).trim();
      else if (line.indexOf('data:') === 0) data += line.slice(5).trim();
    });
    if (!name) return;
    var body = JSON.parse(data);
    if (name === 'session') {
      var server = body.conversation;
      if (conversation && server && server.id === conversation.id && server.state === 'disconnected') {
        ended('disconnected');
      }
      return;
    }
    // {conversationId, message}: a push about another (older) conversation changes nothing here.
    if (!conversation || body.conversationId !== conversation.id) return;
    var message = body.message;
    var presence = message.type === 'Event' && message.events && message.events[0] && message.events[0].presence;
    if (presence && presence.type === 'Disconnect') ended('disconnected');
    else if (presence && presence.type === 'Clear') ended('cleared');
    else if (message.type === 'Text') {
      showMessage(message);
      publish('MessagingService.messagesReceived', { messages: [message] });
    }
  }

  // ----- the window (a small panel with a message box) -----

  function short(id) {
    return id.slice(0, 8) + '…';
  }

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

  function open() {
    if (opened) return Promise.reject(new Error('Messenger is already open'));
    opened = true;
    saveRecord();
    ensurePanel().hidden = false;
    publish('Messenger.opened', {});
    if (autostart && !conversation) return startConversation().then(function () {});
    return Promise.resolve();
  }

  function close() {
    if (!opened) return Promise.reject(new Error('Messenger is already closed'));
    opened = false;
    saveRecord();
    ensurePanel().hidden = true;
    publish('Messenger.closed', {});
    return Promise.resolve();
  }

  function startConversation() {
    if (conversation && conversation.state === 'connected') {
      return Promise.resolve({ conversationId: conversation.id });
    }
    return send({ type: 'Event', events: [{ eventType: 'Presence', presence: { type: 'Join' } }] });
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
      if (bytes > maxCustomDataBytes) {
        var message = 'custom attributes of ' + bytes + ' bytes exceed maxCustomDataBytes (' + maxCustomDataBytes + ')';
        publish('MessagingService.error', { errorCode: 4013, message: message });
        return Promise.reject(new Error(message));
      }
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
      return send({ type: 'Text', text: text });
    },
    'MessagingService.startConversation': startConversation,
    'MessagingService.clearConversation': function () {
      if (!conversation) return Promise.reject(new Error('there is no conversation to clear'));
      var id = conversation.id;
      return post('/messages', {
        token: token,
        message: { type: 'Event', events: [{ eventType: 'Presence', presence: { type: 'Clear' } }] },
      }).then(function () {
        if (conversation && conversation.id === id) ended('cleared');
      });
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

  // ----- start-up: deployment configuration, then the session, then the plugins -----

  var record = loadRecord();
  token = record ? record.token : newToken();
  fetch(api + '/deployments/' + encodeURIComponent(deploymentId) + '/config', { cache: 'no-store' })
    .then(function (response) {
      if (!response.ok) throw new Error('no deployment configuration: ' + response.status);
      return response.json();
    })
    .then(function (deployment) {
      autostart = !!deployment.messenger.apps.conversations.autoStart.enabled;
      return post('/sessions', { deploymentId: deploymentId, token: token });
    })
    .then(function (session) {
      maxCustomDataBytes = session.maxCustomDataBytes;
      saveRecord();
      var server = session.conversation;
      if (server && server.state === 'connected') {
        conversation = { id: server.id, state: 'connected' };
        status('Conversation ' + short(server.id) + ' restored after the reload.');
        publish('MessagingService.restored', { conversationId: server.id });
      }
      listen(true);
      setReady('Database');
      setReady('Conversations');
      setReady('MessagingService');
      setReady('Messenger');
      if (record && record.open) {
        opened = false;
        open();
      }
    })
    .catch(function (error) {
      console.error('stand-in: Messenger could not start', error);
    });
})();
