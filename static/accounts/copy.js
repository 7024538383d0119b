// "Copy" buttons: data-copy-from names the element whose text is copied. The button shows
// only where this script runs; the text stays selectable by hand either way.
(function () {
  "use strict";

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copy(element) {
    var text = element.textContent.trim();
    // The Clipboard API needs a secure context (HTTPS or localhost); elsewhere, the old way.
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    selectText(element);
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-copy-from]"), function (button) {
    var source = document.getElementById(button.dataset.copyFrom);
    var status = button.parentNode.querySelector(".copy-status");
    if (!source) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      copy(source).then(function () {
        status.textContent = "Copied.";
      }, function () {
        selectText(source);
        status.textContent = "Your browser did not let us copy: the token is selected, press Ctrl+C (or Cmd+C).";
      });
    });
  });
}());
