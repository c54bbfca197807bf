/* The course site's small fixes on top of sphinx-book-theme (docs/conf.py loads this file on every page).

   An inline formula wider than its line (MathJax 3 does not break inline math) scrolls inside its own box on a
   narrow screen instead of pushing the whole page sideways.

   Wide figures stay readable on a phone: each output image gets its natural width as a CSS variable, and
   course.css keeps it at no less than 75% of that width on narrow screens; the output area then scrolls
   sideways (and becomes focusable, with a name, so that a keyboard can scroll it too). */
(function () {
  "use strict";

  function readable(img) {
    if (!img.naturalWidth) { return; }
    img.style.setProperty("--course-natural-width", img.naturalWidth + "px");
    const area = img.closest(".cell_output") || img.parentElement;
    const update = () => {
      const scrolls = area.scrollWidth > area.clientWidth + 1;
      area.classList.toggle("course-scrolls", scrolls);
      if (scrolls) {
        area.setAttribute("tabindex", "0");
        area.setAttribute("role", "region");
        const what = (img.getAttribute("alt") || "").split(/[.:;]/)[0].slice(0, 80);
        area.setAttribute("aria-label", `Figure, scroll sideways: ${what || "wider than the screen"}`);
      } else if (area.getAttribute("role") === "region") {
        area.removeAttribute("tabindex");
        area.removeAttribute("role");
        area.removeAttribute("aria-label");
      }
    };
    update();
    window.addEventListener("resize", update);
  }

  function wideFormulas() {
    document.querySelectorAll('mjx-container[jax="CHTML"]:not([display="true"])').forEach((math) => {
      const block = math.parentElement.closest("p, li, td, th, dd, div") || math.parentElement;
      math.classList.remove("course-wide-math");
      if (math.getBoundingClientRect().width > block.clientWidth + 1) { math.classList.add("course-wide-math"); }
    });
  }

  function whenTypeset(tries) {
    const mathjax = window.MathJax;
    if (mathjax && mathjax.startup && mathjax.startup.promise) {
      mathjax.startup.promise.then(wideFormulas);
      window.addEventListener("resize", wideFormulas);
    } else if (tries > 0 && document.querySelector(".math")) {
      setTimeout(() => whenTypeset(tries - 1), 50);
    }
  }

  function start() {
    whenTypeset(100);
    document.querySelectorAll(".cell_output img").forEach((img) => {
      if (img.complete) { readable(img); } else { img.addEventListener("load", () => readable(img)); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
