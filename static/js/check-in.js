/* The check-in desk without reloads: its forms post in the background and the answer replaces the
   page's live part (the count and the answer); with a camera, QR codes are read with jsQR (vendored
   in static/vendor/jsqr) and checked in as they come. Without this script the forms post as usual. */
(function () {
  "use strict";
  var FRAGMENT_HEADER = "X-Desk-Fragment"; // asks the page for its live part; the answer names the outcome
  var askForFragment = {};
  askForFragment[FRAGMENT_HEADER] = "live";
  var SCAN_EVERY_MS = 150; // how often a video frame is searched for a QR code
  var SAME_CODE_PAUSE_MS = 3000; // a ticket held in front of the camera is sent once, not per frame
  var live = document.getElementById("desk-live");
  var codeForm = document.querySelector("[data-desk-code]");
  if (!live || !codeForm || !window.fetch || !window.FormData) return;

  function vibrate(outcome) {
    if (!navigator.vibrate) return;
    navigator.vibrate(outcome === "checked_in" ? 120 : [80, 60, 80, 60, 80]);
  }

  function showProblem(words) {
    live.querySelectorAll(".desk-answer").forEach(function (old) { old.remove(); });
    var box = document.createElement("div");
    box.className = "desk-answer bad";
    var line = document.createElement("p");
    line.className = "desk-headline";
    line.textContent = words;
    box.appendChild(line);
    live.appendChild(box);
  }

  /* Post ``data`` to ``form``'s address and show the desk's answer; resolves with the outcome, or
     null when there is none. A redirect (to sign in, after the session ran out) is followed. */
  function send(form, data) {
    return fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: askForFragment,
    }).then(function (response) {
      var outcome = response.headers.get(FRAGMENT_HEADER);
      if (!outcome && response.redirected) {
        window.location.assign(response.url);
        return null;
      }
      if (!outcome) {
        showProblem("The desk could not answer (error " + response.status + "). Try again.");
        return null;
      }
      return response.text().then(function (html) {
        live.innerHTML = html;
        vibrate(outcome);
        return outcome;
      });
    }, function () {
      showProblem("No connection: the answer did not arrive. Try again.");
      return null;
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-desk-form")) return;
    event.preventDefault();
    send(form, new FormData(form)).then(function (outcome) {
      var input = form.querySelector("input[name=code]");
      if (!input) return;
      if (outcome && outcome !== "unknown_ticket") input.value = "";
      input.focus();
    });
  });

  var scanner = document.querySelector("[data-desk-scanner]");
  var canScan = scanner && window.jsQR && navigator.mediaDevices && navigator.mediaDevices.getUserMedia;
  if (!canScan) return;

  var video = scanner.querySelector("[data-scan-video]");
  var startButton = scanner.querySelector("[data-scan-start]");
  var stopButton = scanner.querySelector("[data-scan-stop]");
  var status = scanner.querySelector("[data-scan-status]");
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  var lastText = "";
  var lastAt = 0;
  var lastLook = 0;
  var busy = false;
  scanner.hidden = false;

  function showScanning(on) {
    video.hidden = stopButton.hidden = !on;
    startButton.hidden = on;
    status.textContent = on ? "Hold a ticket's QR code in front of the camera." : "";
  }

  function start() {
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (given) {
        stream = given;
        video.srcObject = stream;
        showScanning(true);
        return video.play();
      })
      .then(function () { window.requestAnimationFrame(look); })
      .catch(function () {
        stop();
        status.textContent = "The camera could not start. Allow it in the browser's settings, or type the code.";
      });
  }

  function stop() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.srcObject = null;
    showScanning(false);
  }

  function look(now) {
    if (!stream) return;
    window.requestAnimationFrame(look);
    if (busy || now - lastLook < SCAN_EVERY_MS || video.readyState < video.HAVE_ENOUGH_DATA) return;
    lastLook = now;
    var text = readFrame();
    if (!text) return;
    // A ticket still held up after its answer is not sent again; shown again after a pause, it is.
    var stillInView = text === lastText && Date.now() - lastAt < SAME_CODE_PAUSE_MS;
    lastText = text;
    lastAt = Date.now();
    if (stillInView) return;
    busy = true;
    var data = new FormData(codeForm);
    data.set("code", text); // the QR code's whole text: the server reads the code from its first line
    send(codeForm, data).then(function () {
      busy = false;
      lastAt = Date.now();
    });
  }

  function readFrame() {
    var scale = Math.min(1, 640 / video.videoWidth); // enough pixels for a ticket, few enough for a phone
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    var image = context.getImageData(0, 0, canvas.width, canvas.height);
    var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
    return found && found.data;
  }

  startButton.addEventListener("click", start);
  stopButton.addEventListener("click", stop);
  // A camera left on in a pocket drains the battery: stop it when the page is hidden.
  document.addEventListener("visibilitychange", function () { if (document.hidden) stop(); });
})();
