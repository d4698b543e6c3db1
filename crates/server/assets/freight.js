// Load plan viewer: steps through the loading order (slider, previous/next) and turns the isometric view
// in four directions. The SVG is drawn on the server, once per direction, every carton a
// <g class="lp-box" data-step="k">; this script only shows the chosen view and the cartons loaded so far.
(function () {
  "use strict";

  function init(root) {
    var slider = root.querySelector("[data-role=step]");
    var label = root.querySelector("[data-role=step-label]");
    var prev = root.querySelector("[data-role=prev]");
    var next = root.querySelector("[data-role=next]");
    var views = Array.prototype.slice.call(root.querySelectorAll("g.lp-view"));
    var azButtons = Array.prototype.slice.call(root.querySelectorAll("button[data-az]"));
    var total = parseInt(root.getAttribute("data-total"), 10) || 0;
    var template = root.getAttribute("data-label") || "{k} / {n}";
    var az = 0;
    if (!slider || views.length === 0) {
      return;
    }

    function apply() {
      var n = Math.max(1, Math.min(total, parseInt(slider.value, 10) || total));
      var desc = "";
      views.forEach(function (view) {
        var on = parseInt(view.getAttribute("data-az"), 10) === az;
        view.setAttribute("display", on ? "inline" : "none");
        if (!on) {
          return;
        }
        var boxes = view.querySelectorAll("g.lp-box");
        for (var i = 0; i < boxes.length; i++) {
          var b = boxes[i];
          var step = parseInt(b.getAttribute("data-step"), 10);
          b.setAttribute("display", step <= n ? "inline" : "none");
          if (step === n) {
            b.classList.add("lp-cur");
            desc = b.getAttribute("data-desc") || "";
          } else {
            b.classList.remove("lp-cur");
          }
        }
      });
      azButtons.forEach(function (btn) {
        btn.classList.toggle("active", parseInt(btn.getAttribute("data-az"), 10) === az);
      });
      if (label) {
        label.textContent = template.replace("{k}", String(n)).replace("{n}", String(total)).replace("{desc}", desc);
      }
      root.setAttribute("data-step", String(n));
      root.setAttribute("data-az", String(az));
      if (prev) { prev.disabled = n <= 1; }
      if (next) { next.disabled = n >= total; }
    }

    function move(delta) {
      slider.value = String(Math.max(1, Math.min(total, (parseInt(slider.value, 10) || total) + delta)));
      apply();
    }

    slider.addEventListener("input", apply);
    slider.addEventListener("change", apply);
    if (prev) { prev.addEventListener("click", function () { move(-1); }); }
    if (next) { next.addEventListener("click", function () { move(1); }); }
    azButtons.forEach(function (btn) {
      btn.addEventListener("click", function () {
        az = parseInt(btn.getAttribute("data-az"), 10) || 0;
        apply();
      });
    });
    root.addEventListener("keydown", function (e) {
      if (e.target === slider) { return; }
      if (e.key === "ArrowLeft") { move(-1); e.preventDefault(); }
      if (e.key === "ArrowRight") { move(1); e.preventDefault(); }
    });
    apply();
  }

  function start() {
    var roots = document.querySelectorAll("[data-loadplan]");
    for (var i = 0; i < roots.length; i++) {
      init(roots[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
