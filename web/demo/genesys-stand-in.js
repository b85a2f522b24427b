// DEVELOPMENT STAND-IN for Genesys Messenger's script. It is not Genesys code and is served
// only by the local stack (`/dev/genesys-stand-in.js`), so the demo page and the browser tests
// can show the flow without Genesys Cloud.
//
// Like the real script, it takes over the `Genesys` command queue that Messenger's snippet
// created and runs what was queued. It understands:
// - `Genesys("command", "Database.set", {messaging: {customAttributes}}, resolve, reject)`:
//   keeps the latest value of each attribute (a flat string map, as Messenger requires);
// - `Genesys("command", "Messenger.open", {}, resolve, reject)`: starts a conversation in the
//   Genesys sandbox with exactly those custom attributes (Messenger would start it with the
//   user's first message), then publishes `DevStandIn.conversationStarted` {conversationId};
// - `Genesys("command", "Messenger.close")` and `Genesys("subscribe", name, callback)`.
(function () {
  'use strict';
  var previous = window.Genesys;
  var queued = (previous && previous.q) || [];
  var config = (previous && previous.c) || {};
  var listeners = {};
  var customAttributes = {};
  var panel = null;

  function publish(name, data) {
    (listeners[name] || []).forEach(function (callback) {
      try {
        callback(data);
      } catch (e) {
        console.error('stand-in subscriber failed', e);
      }
    });
  }

  function isStringMap(value) {
    return value !== null && typeof value === 'object' && !Array.isArray(value) &&
      Object.keys(value).every(function (k) { return typeof value[k] === 'string'; });
  }

  function showPanel(text) {
    if (!panel) {
      panel = document.createElement('aside');
      panel.className = 'dev-messenger';
      panel.setAttribute('aria-live', 'polite');
      var title = document.createElement('strong');
      title.textContent = 'Messenger (development stand-in)';
      var body = document.createElement('p');
      panel.append(title, body);
      document.body.append(panel);
    }
    panel.hidden = false;
    panel.querySelector('p').textContent = text;
  }

  var commands = {
    'Database.set': function (options) {
      var attributes = options && options.messaging && options.messaging.customAttributes;
      if (!isStringMap(attributes)) {
        return Promise.reject(new Error('messaging.customAttributes must be a flat string map'));
      }
      Object.keys(attributes).forEach(function (k) { customAttributes[k] = attributes[k]; });
      return Promise.resolve({ messaging: { customAttributes: Object.assign({}, customAttributes) } });
    },
    'Messenger.open': function () {
      return fetch('/sandbox/_sandbox/messenger/start', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ deploymentId: config.deploymentId, customAttributes: customAttributes }),
      }).then(function (response) {
        if (!response.ok) throw new Error('the sandbox refused the conversation: ' + response.status);
        return response.json();
      }).then(function (started) {
        var keys = Object.keys(customAttributes).join(', ') || 'none';
        showPanel('Conversation ' + started.conversationId.slice(0, 8) + '… started with custom attributes: ' + keys + '.');
        publish('DevStandIn.conversationStarted', { conversationId: started.conversationId });
      });
    },
    'Messenger.close': function () {
      if (panel) panel.hidden = true;
      return Promise.resolve();
    },
  };

  function Genesys(kind, name, options, resolve, reject) {
    if (kind === 'subscribe') {
      if (typeof options === 'function') (listeners[name] = listeners[name] || []).push(options);
      return;
    }
    var command = kind === 'command' && commands[name];
    var run = command ? command(options) : Promise.reject(new Error('the stand-in does not know ' + kind + ' ' + name));
    run.then(function (value) {
      if (typeof resolve === 'function') resolve(value);
    }, function (error) {
      if (typeof reject === 'function') reject(error);
      else console.error(error);
    });
  }

  Genesys.c = config;
  window.Genesys = Genesys;
  queued.forEach(function (args) { Genesys.apply(null, Array.prototype.slice.call(args)); });
})();
