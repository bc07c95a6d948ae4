import Dapper
