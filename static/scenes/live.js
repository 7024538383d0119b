// Live mode on the Listen page: after consent, record a short snippet every interval, send
// it to the session's API, show the held scene and the session's timeline, and add songs
// when the held scene changes (the server's hysteresis decides; songs already queued stay).
(function () {
  "use strict";

  var PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000";
  var card = document.getElementById("live");
  var form = document.getElementById("upload-form");
  if (!card || !form) { return; }

  var csrfToken = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var message = document.getElementById("live-message");
  var setup = document.getElementById("live-setup");
  var consent = document.getElementById("live-consent");
  var intervalSelect = document.getElementById("live-interval");
  var startButton = document.getElementById("live-start");
  var indicator = document.getElementById("live-indicator");
  var stateText = document.getElementById("live-state");
  var controls = document.getElementById("live-controls");
  var pauseButton = document.getElementById("live-pause");
  var resumeButton = document.getElementById("live-resume");
  var stopButton = document.getElementById("live-stop");
  var now = document.getElementById("live-now");
  var sceneText = document.getElementById("live-scene");
  var timeline = document.getElementById("live-timeline");
  var songs = document.getElementById("live-songs");
  var songsNote = document.getElementById("live-songs-note");
  var snippetSeconds = Number(card.dataset.snippetSeconds) || 5;
  var labels = {};
  try { labels = JSON.parse(card.dataset.sceneLabels || "{}"); } catch (ignored) { labels = {}; }

  var MICROPHONE_ERRORS = {
    NotAllowedError: "denied", PermissionDeniedError: "denied", SecurityError: "denied",
    NotFoundError: "missing", DevicesNotFoundError: "missing", OverconstrainedError: "missing",
    NotReadableError: "busy", TrackStartError: "busy", AbortError: "busy"
  };
  var TYPES = ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus", "audio/mp4"];
  var EXTENSIONS = { "audio/webm": "webm", "audio/ogg": "ogg", "audio/mp4": "m4a" };

  var session = null;      // the API's session, latest known
  var stream = null;       // the microphone, held only while listening
  var snippetTimer = null;
  var pollTimer = null;
  var songsFor = -1;       // the session's scene_changes the songs were last picked for
  var recording = false;

  card.hidden = false;
  if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.MediaRecorder)) {
    startButton.disabled = true;
    showMicrophoneProblem("unsupported");
    return;
  }

  function showError(text) {
    message.textContent = text;
    message.hidden = false;
  }

  function showMicrophoneProblem(kind) {
    var key = "microphone" + kind.charAt(0).toUpperCase() + kind.slice(1);
    showError(card.dataset[key] || card.dataset.microphoneOther);
  }

  function sessionUrl(suffix) {
    return card.dataset.sessionUrl.replace(PLACEHOLDER_ID, session.id) + (suffix || "");
  }

  function label(scene) { return labels[scene] || scene; }

  function sceneColour(scene) { return "var(--scene-" + (labels[scene] ? scene : "other") + ")"; }

  // One request to the API: JSON in and out; `done(status, body)`.
  function request(method, url, body, done) {
    var xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.setRequestHeader("X-CSRFToken", csrfToken);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.addEventListener("load", function () {
      var data = {};
      try { data = JSON.parse(xhr.responseText); } catch (ignored) { data = {}; }
      done(xhr.status, data, xhr.responseText);
    });
    xhr.addEventListener("error", function () { done(0, {}, ""); });
    if (body instanceof FormData) {
      xhr.send(body);
    } else if (body) {
      xhr.setRequestHeader("Content-Type", "application/json");
      xhr.send(JSON.stringify(body));
    } else {
      xhr.send();
    }
  }

  // --- The microphone and the snippets -------------------------------------------------------
  function supportedType() {
    for (var i = 0; i < TYPES.length; i += 1) {
      if (MediaRecorder.isTypeSupported(TYPES[i])) { return TYPES[i]; }
    }
    return "";
  }

  function openMicrophone(then) {
    navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false }
    }).then(function (opened) {
      stream = opened;
      then();
    }, function (error) {
      showMicrophoneProblem(MICROPHONE_ERRORS[error && error.name] || "other");
      if (session) { stop(); }
    });
  }

  function closeMicrophone() {
    window.clearInterval(snippetTimer);
    snippetTimer = null;
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
    stream = null;
  }

  function recordSnippet() {
    if (!stream || recording || !session || session.status !== "active") { return; }
    var type = supportedType();
    var recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    var chunks = [];
    recording = true;
    recorder.addEventListener("dataavailable", function (event) {
      if (event.data && event.data.size) { chunks.push(event.data); }
    });
    recorder.addEventListener("stop", function () {
      recording = false;
      if (!session || session.status !== "active") { return; }  // paused or stopped meanwhile: drop it
      var mime = (recorder.mimeType || type || "audio/webm").split(";")[0];
      var data = new FormData();
      data.append("file", new Blob(chunks, { type: mime }), "live-snippet." + (EXTENSIONS[mime] || "webm"));
      request("POST", sessionUrl("snippets/"), data, function (status, body) {
        if (status === 202) { message.hidden = true; return; }
        showError(body.detail || "A snippet could not be sent (" + status + "); the next one will try again.");
        if (status === 409) { poll(); }
      });
    });
    recorder.start(250);
    window.setTimeout(function () { if (recorder.state !== "inactive") { recorder.stop(); } }, snippetSeconds * 1000);
  }

  function listen() {
    recordSnippet();
    snippetTimer = window.setInterval(recordSnippet, session.interval_s * 1000);
  }

  // --- What the page shows -------------------------------------------------------------------
  function show() {
    var open = session && session.status !== "stopped";
    setup.hidden = !!open;
    controls.hidden = !open;
    indicator.hidden = !open;
    now.hidden = !session;
    if (!session) { return; }
    var paused = session.status === "paused";
    indicator.classList.toggle("paused", paused);
    stateText.textContent = paused
      ? "Paused: not listening"
      : "Listening: a " + snippetSeconds + "-second snippet every " + session.interval_s + " seconds";
    pauseButton.hidden = paused;
    resumeButton.hidden = !paused;
    sceneText.textContent = session.scene ? label(session.scene) : (open ? "listening…" : "-");
    showTimeline(session.snippets || []);
  }

  function showTimeline(snippets) {
    timeline.textContent = "";
    var held = "";
    snippets.forEach(function (snippet) {
      var item = document.createElement("li");
      var at = new Date(snippet.created_at).toLocaleTimeString();
      if (snippet.status === "done") {
        item.style.setProperty("--scene", sceneColour(snippet.held_scene));
        item.textContent = at + " " + label(snippet.top_scene);
        if (held && snippet.held_scene !== held) {
          item.classList.add("change");  // the scene held: the songs follow it from here
          item.textContent += " · now " + label(snippet.held_scene);
        } else if (snippet.top_scene !== snippet.held_scene) {
          item.textContent += " (still " + label(snippet.held_scene) + ")";  // one odd snippet changes nothing
        }
        held = snippet.held_scene;
        item.dataset.scene = snippet.top_scene;
        item.dataset.held = snippet.held_scene;
      } else if (snippet.status === "failed") {
        item.classList.add("failed");
        item.textContent = at + " " + (snippet.error_message || "not analysed");
      } else {
        item.textContent = at + " …";
      }
      timeline.appendChild(item);
    });
  }

  // A new held scene (the first one too) brings songs for it, added below the queued ones.
  function addSongs() {
    if (!session.scene || session.scene_changes === songsFor) { return; }
    songsFor = session.scene_changes;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", card.dataset.songsUrl.replace(PLACEHOLDER_ID, session.id));
    xhr.setRequestHeader("X-CSRFToken", csrfToken);
    xhr.addEventListener("load", function () {
      if (xhr.status === 200) {
        songs.insertAdjacentHTML("beforeend", xhr.responseText);
        songsNote.hidden = true;
      } else {
        songsNote.textContent = xhr.responseText || "We could not pick songs right now.";
      }
    });
    xhr.send();
  }

  function poll() {
    if (!session) { return; }
    request("GET", sessionUrl(), null, function (status, body) {
      if (status !== 200) { return; }
      session = body;
      show();
      addSongs();
      if (session.status === "stopped") { finish(); }
    });
  }

  function finish() {
    closeMicrophone();
    window.clearInterval(pollTimer);
    pollTimer = null;
    show();
  }

  // --- The buttons ---------------------------------------------------------------------------
  startButton.addEventListener("click", function () {
    message.hidden = true;
    if (!consent.checked) {
      showError("Please tick the box to agree before live mode starts listening.");
      consent.focus();
      return;
    }
    startButton.disabled = true;
    // The microphone first: no session is opened for a browser that cannot listen.
    openMicrophone(function () {
      var body = { consent: true, interval_s: Number(intervalSelect.value), time_zone: window.soundscapifyTimeZone || "" };
      request("POST", card.dataset.startUrl, body, function (status, data) {
        startButton.disabled = false;
        if (status !== 201) {
          closeMicrophone();
          showError(data.detail || "Live mode could not start (" + status + "). Please try again.");
          return;
        }
        session = data;
        songsFor = -1;
        songs.textContent = "";
        show();
        listen();
        // A third of the interval, 1 to 5 s: results show soon without a request a second.
        pollTimer = window.setInterval(poll, Math.min(5000, Math.max(1000, session.interval_s * 1000 / 3)));
      });
    });
  });

  function act(action, then) {
    request("POST", sessionUrl(action + "/"), null, function (status, data) {
      if (status === 200) { session = data; } else { showError(data.detail || "That did not work; please try again."); }
      show();
      if (then) { then(); }
    });
  }

  pauseButton.addEventListener("click", function () {
    closeMicrophone();  // paused means not listening: the microphone is released
    act("pause");
  });

  resumeButton.addEventListener("click", function () {
    act("resume", function () {
      if (session.status === "active") { openMicrophone(listen); }
    });
  });

  function stop() { act("stop", finish); }
  stopButton.addEventListener("click", function () {
    closeMicrophone();
    stop();
  });

  // Leaving the page ends the session: nothing keeps listening in a closed tab.
  window.addEventListener("pagehide", function () {
    if (session && session.status !== "stopped" && navigator.sendBeacon) {
      var data = new FormData();
      data.append("csrfmiddlewaretoken", csrfToken);
      navigator.sendBeacon(sessionUrl("stop/"), data);
    }
  });
}());
