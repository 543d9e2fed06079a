// Fails at init with an error of its own: reported as it is.
throw new TypeError('bad config');
