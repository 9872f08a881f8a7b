// Asio, Asio SSL and Beast compiled once for the project (STYLE.md §8: a TU with Beast and SSL
// takes ~12 s here, so nothing else instantiates them from headers).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
